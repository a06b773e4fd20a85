export { type Duration, formatDuration, parseDuration } from './duration'
export { RcError, type RcErrorOptions } from './errors'
export { luaScript, runScript, type Script } from './redis-script'
export { TENANT_ID_PATTERN, TENANT_ID_RULE } from './tenant-id'
