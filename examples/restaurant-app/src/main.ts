import type { FakePoster } from '@rc/poster-client/testing'
import { ConfigError, loadConfig } from './config'
import { DEMO_PASSWORD, DEMO_RESTAURANTS, DEMO_USERS, startDemo } from './demo'
import { buildApp } from './http/app'
import { DataDirBusyError, lockDataDir } from './infra/data-dir'
import { posterOAuthOfFake } from './onboarding/endpoints'
import { createRuntime, TOKEN_CHECK_EVERY_MS } from './runtime'
import { stopTelemetry } from './telemetry/active'

async function main(): Promise<void> {
  const config = loadConfig()
  const unlock = config.dataDir ? lockDataDir(config.dataDir) : () => {}
  const runtime = await createRuntime(config)
  let fake: FakePoster | undefined

  if (config.embedded) {
    // Embedded demo: a fake Poster with three restaurants, and users to log in with.
    fake = (await startDemo(runtime)).fake
  }
  if (config.worker)
    await runtime.jobs.startSchedules({
      syncEveryMs: config.syncIntervalMs,
      tokenCheckEveryMs: TOKEN_CHECK_EVERY_MS,
    })

  const demo = config.embedded
    ? { password: DEMO_PASSWORD, emails: DEMO_USERS.map((u) => u.email) }
    : undefined
  const app = await buildApp(runtime, { demo, ...(fake ? { oauth: posterOAuthOfFake(fake) } : {}) })
  const address = await app.listen({ port: config.port, host: config.host })
  const banner = [
    `Restaurant ops listening on ${address}`,
    `  mode: ${config.embedded ? 'embedded (PGlite, memory stores, in-process jobs, fake Poster)' : 'PostgreSQL + Redis + BullMQ'}`,
    `  staff UI: ${address}/app   admin page: ${address}/admin   API docs: ${address}/docs`,
  ]
  if (config.embedded) {
    banner.push(`  demo login: admin@example.com / ${DEMO_PASSWORD} (also manager@ and viewer@example.com)`)
    banner.push(`  fake Poster: ${fake?.url} with ${DEMO_RESTAURANTS.map((r) => r.id).join(', ')}`)
    banner.push(
      `  data: ${config.dataDir ?? 'in memory (DATA_DIR=:memory:)'}${config.dataDir ? ' (delete it to start fresh)' : ''}`,
    )
  }
  // The one place the app prints: how to reach it. Everything else goes through pino.
  process.stdout.write(`${banner.join('\n')}\n`)

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    runtime.log.info({ signal }, 'shutting down')
    await app.close()
    await runtime.close()
    await fake?.close()
    await stopTelemetry()
    unlock()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}

main().catch((error) => {
  if (error instanceof ConfigError || error instanceof DataDirBusyError) {
    process.stderr.write(`${error.message}\n`)
    process.exit(2)
  }
  process.stderr.write(
    `Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  )
  process.exit(1)
})
