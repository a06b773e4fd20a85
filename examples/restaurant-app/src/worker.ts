import { loadConfig } from './config'
import { createRuntime, TOKEN_CHECK_EVERY_MS } from './runtime'
import { stopTelemetry } from './telemetry/active'

// A worker process: the same runtime and job handlers as the API, no HTTP. Run as many as Poster's limits allow.
async function main(): Promise<void> {
  const config = loadConfig(process.env, { worker: true })
  if (config.embedded)
    throw new Error(
      'A separate worker needs DATABASE_URL and REDIS_URL: the embedded runner lives inside `pnpm start`.',
    )
  const runtime = await createRuntime(config)
  await runtime.jobs.startSchedules({
    syncEveryMs: config.syncIntervalMs,
    tokenCheckEveryMs: TOKEN_CHECK_EVERY_MS,
  })
  runtime.log.info({ concurrency: config.workerConcurrency }, 'worker started')
  const stop = async () => {
    await runtime.close()
    await stopTelemetry()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())
}

main().catch((error) => {
  process.stderr.write(
    `Worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  )
  process.exit(1)
})
