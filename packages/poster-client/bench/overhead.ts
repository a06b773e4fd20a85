import { Bench } from 'tinybench'
import { createPosterClient } from '../src/index'
import { createFakePoster } from '../src/testing'

export interface OverheadRow {
  task: string
  meanMs: number
  p50Ms: number
  samples: number
}

/** Client call vs a bare fetch + JSON.parse of the same fake endpoint, side by side. */
export async function runOverhead(): Promise<OverheadRow[]> {
  const fake = await createFakePoster({ accounts: 1 })
  const { account, token } = fake.accounts[0]!
  const url = `${fake.url}/api/storage.getStorages?token=${encodeURIComponent(token)}`
  const poster = createPosterClient({
    account,
    token,
    baseUrl: fake.url,
    // Limits out of the way: this measures the client's own cost per call.
    rateLimit: { perSecond: 1e9, maxConcurrent: 1e9 },
  })
  const bench = new Bench({ time: 3000, warmupTime: 500 })
  bench
    .add('bare fetch + JSON.parse', async () => {
      const response = await fetch(url)
      JSON.parse(await response.text())
    })
    .add('client.call (no schema)', async () => {
      await poster.call('storage.getStorages')
    })
    .add('client.storage.getStorages (zod)', async () => {
      await poster.storage.getStorages()
    })
  try {
    await bench.run()
    return bench.tasks.map((task) => {
      const result = task.result as
        | { latency?: { mean: number; p50: number; samplesCount?: number } }
        | undefined
      return {
        task: task.name,
        meanMs: result?.latency?.mean ?? Number.NaN,
        p50Ms: result?.latency?.p50 ?? Number.NaN,
        samples: result?.latency?.samplesCount ?? 0,
      }
    })
  } finally {
    await fake.close()
  }
}
