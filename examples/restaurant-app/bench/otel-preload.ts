/*
 * Preload of the bench's traced server (`--import`, before bench/server.ts and so before fastify, pg and
 * ioredis load): the app's own telemetry setup, exporting to memory through a batch processor as a
 * deployment would export to a collector. Spans are counted and dropped every second (memory stays
 * flat); the count answers a { type: 'spans' } message.
 */
import { BatchSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace'
import { registerEsmHook } from '../src/telemetry/esm-hook'
import { startTelemetry } from '../src/telemetry/otel'

registerEsmHook()
const exporter = new InMemorySpanExporter()
// Sized for ~20k spans/s: the defaults (2,048 queued, 5 s) would drop most of them, and measure less.
const processor = new BatchSpanProcessor({
  exporter,
  maxQueueSize: 100_000,
  maxExportBatchSize: 5_000,
  scheduledDelayMillis: 500,
})
startTelemetry({ spanProcessors: [processor] })
let exported = 0
setInterval(() => {
  exported += exporter.getFinishedSpans().length
  exporter.reset()
}, 1_000).unref()
process.on('message', (message: { type?: string }) => {
  if (message?.type === 'spans')
    process.send?.({ type: 'spans', spans: exported + exporter.getFinishedSpans().length })
})
