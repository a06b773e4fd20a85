/*
 * A BullMQ worker process: the app's runtime with its worker on, as src/worker.ts builds it, but
 * without the sync-all / token-check schedules, whose extra Poster calls would blur the count the
 * bench checks. On 'stop' it reports what it did (from the app's own metrics) and exits.
 */
import { loadConfig } from '../src/config'
import { createRuntime } from '../src/runtime'

const config = loadConfig(process.env, { worker: true })
const runtime = await createRuntime(config)
process.send?.({ type: 'ready' })

async function count(metric: { get(): Promise<{ values: Array<{ value: number; labels: object }> }> }) {
  return (await metric.get()).values
}

process.on('message', async (message: { type: string }) => {
  if (message.type !== 'stop') return
  const jobs = await count(runtime.metrics.jobs)
  const calls = await count(runtime.metrics.posterCalls)
  const retries = await count(runtime.metrics.posterRetries)
  await runtime.close()
  const sum = (values: Array<{ value: number }>) => values.reduce((total, v) => total + v.value, 0)
  const completed = sum(jobs.filter((v) => (v.labels as { outcome?: string }).outcome === 'completed'))
  const cpu = process.cpuUsage()
  process.send?.(
    {
      type: 'stopped',
      jobsCompleted: completed,
      jobs,
      posterCalls: sum(calls),
      posterRetries: sum(retries),
      // CPU time of the whole process (start-up included), in ms: what one worker costs per job.
      cpuMs: (cpu.user + cpu.system) / 1000,
    },
    () => process.exit(0),
  )
})
