import { createFakePoster, type FakePoster } from '@rc/poster-client/testing'
import { ConfigError, loadConfig } from './config'
import { buildApp } from './http/app'
import { createRuntime, TOKEN_CHECK_EVERY_MS } from './runtime'
import { seed } from './seed'

const DEMO_RESTAURANTS = [
  { id: 'aurora-cafe', name: 'Aurora Café', tier: 'free' },
  { id: 'nord-bistro', name: 'Nord Bistro', tier: 'pro' },
  { id: 'sol-pizzeria', name: 'Sol Pizzeria', tier: 'enterprise' },
]
const DEMO_PASSWORD = 'demo-password'

async function main(): Promise<void> {
  const config = loadConfig()
  const runtime = await createRuntime(config)
  let fake: FakePoster | undefined

  if (config.embedded) {
    // Embedded demo: a fake Poster with three restaurants, and users to log in with.
    fake = await createFakePoster({ accounts: DEMO_RESTAURANTS.map((r) => r.id), seed: 42 })
    const accounts = fake.accounts
    await seed(runtime.owner as NonNullable<typeof runtime.owner>, runtime.cipher, {
      restaurants: DEMO_RESTAURANTS.map((r, i) => ({
        ...r,
        posterAccount: r.id,
        token: (accounts[i] as { token: string }).token,
        posterBaseUrl: (fake as FakePoster).url,
      })),
      users: [
        {
          email: 'admin@example.com',
          name: 'Demo Admin',
          password: DEMO_PASSWORD,
          platformAdmin: true,
          roles: Object.fromEntries(DEMO_RESTAURANTS.map((r) => [r.id, 'admin'])),
        },
        {
          email: 'manager@example.com',
          name: 'Demo Manager',
          password: DEMO_PASSWORD,
          roles: { 'aurora-cafe': 'manager' },
        },
        {
          email: 'viewer@example.com',
          name: 'Demo Viewer',
          password: DEMO_PASSWORD,
          roles: { 'aurora-cafe': 'viewer' },
        },
      ],
    })
    runtime.owner = undefined // PGlite is one session: only the app pool may use it from here on
    for (const r of DEMO_RESTAURANTS) await runtime.jobs.enqueueSync({ restaurantId: r.id, reason: 'manual' })
  }
  if (config.worker)
    await runtime.jobs.startSchedules({
      syncEveryMs: config.syncIntervalMs,
      tokenCheckEveryMs: TOKEN_CHECK_EVERY_MS,
    })

  const app = await buildApp(runtime)
  const address = await app.listen({ port: config.port, host: config.host })
  const banner = [
    `Restaurant ops listening on ${address}`,
    `  mode: ${config.embedded ? 'embedded (PGlite, memory stores, in-process jobs, fake Poster)' : 'PostgreSQL + Redis + BullMQ'}`,
    `  admin page: ${address}/admin   API docs: ${address}/docs   health: ${address}/health`,
  ]
  if (config.embedded) {
    banner.push(`  demo login: admin@example.com / ${DEMO_PASSWORD} (also manager@ and viewer@example.com)`)
    banner.push(`  fake Poster: ${fake?.url} with ${DEMO_RESTAURANTS.map((r) => r.id).join(', ')}`)
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
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`)
    process.exit(2)
  }
  process.stderr.write(
    `Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  )
  process.exit(1)
})
