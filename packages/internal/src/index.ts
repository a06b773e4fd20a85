export {
  interleavedOverhead,
  loadAverage,
  noopSubscriber,
  type OverheadCase,
  type OverheadResult,
  overheadTable,
} from './bench-overhead'
export { type Duration, formatDuration, parseDuration } from './duration'
export { RcError, type RcErrorOptions } from './errors'
export { luaScript, runScript, type Script } from './redis-script'
export { TENANT_ID_PATTERN, TENANT_ID_RULE } from './tenant-id'
export { type RecordedSpan, recordTraces, type TraceEvent, type TraceRecorder } from './trace-recorder'
export { type TracedContext, type Tracer, trace, traced, tracer } from './tracing'
