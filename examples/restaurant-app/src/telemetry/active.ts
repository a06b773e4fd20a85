import { settledWithin } from '../infra/settled-within'
import type { Telemetry } from './otel'

let active: Telemetry | undefined

/** Called by the preload once the SDK runs. */
export function setTelemetry(telemetry: Telemetry): void {
  active = telemetry
}

// An unreachable collector must not hold up a shutdown (the exporter's own timeout is 10 s).
const FLUSH_LIMIT_MS = 2_000

/** Flushes buffered spans before the process exits; nothing to do when telemetry is off. */
export async function stopTelemetry(): Promise<void> {
  if (!active) return
  const stopping = active.shutdown()
  active = undefined
  await settledWithin(stopping, FLUSH_LIMIT_MS)
}
