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
// BENCH_SERVER_TIMES=1: the server's own time of every answer (ms), handed over and reset on 'times'.
let times: number[] = []
let lastCpu = process.cpuUsage()
if (process.env.BENCH_SERVER_TIMES === '1')
  app.addHook('onResponse', async (_request, reply) => {
    times.push(reply.elapsedTime)
  })
const address = await app.listen({ port: 0, host: '127.0.0.1' })
process.send?.({ type: 'ready', url: address })

process.on('message', async (message: { type: string }) => {
  if (message.type === 'cpu') {
    // CPU time this process used so far (µs): the traced bench divides it by the requests served.
    process.send?.({ type: 'cpu', ...process.cpuUsage() })
    return
  }
  if (message.type === 'times') {
    // CPU time (ms) since the previous 'times': what the answers cost this process.
    const cpu = process.cpuUsage(lastCpu)
    lastCpu = process.cpuUsage()
    process.send?.({ type: 'times', times, cpuMs: (cpu.user + cpu.system) / 1000 })
    times = []
    return
  }
  if (message.type !== 'stop') return
  await app.close()
  await runtime.close()
  process.send?.({ type: 'stopped' }, () => process.exit(0))
})
