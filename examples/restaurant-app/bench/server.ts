/*
 * The API as a process of its own, built from the environment like src/main.ts in PostgreSQL +
 * Redis mode, minus the schedules and the worker: autocannon then runs in the parent and never
 * shares this event loop. Tells the parent its port over IPC; stops on 'stop'.
 */
import { loadConfig } from '../src/config'
import { buildApp } from '../src/http/app'
import { createRuntime } from '../src/runtime'

const config = loadConfig(process.env, { worker: false, port: 0 })
const runtime = await createRuntime(config)
const app = await buildApp(runtime)
const address = await app.listen({ port: 0, host: '127.0.0.1' })
process.send?.({ type: 'ready', url: address })

process.on('message', async (message: { type: string }) => {
  if (message.type !== 'stop') return
  await app.close()
  await runtime.close()
  process.send?.({ type: 'stopped' }, () => process.exit(0))
})
