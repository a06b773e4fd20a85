// Runs the poster-client benchmarks side by side; figures go into bench/README.md by hand.
import { TEST_REDIS_URL } from '@rc/test-services'
import { runOverhead } from './overhead'
import { runSync } from './sync'

const started = Date.now()
console.log('sync of 100 accounts x 8 methods, fake limited to 5 req/s per account, limiter in Redis')
const rows = []
for (const workers of [2, 8]) {
  const r = await runSync(workers, TEST_REDIS_URL)
  rows.push({
    workers: r.workers,
    'total (s)': (r.totalMs / 1000).toFixed(2),
    'minimum (s)': (r.minimumMs / 1000).toFixed(2),
    'total / minimum': r.ratio.toFixed(3),
    requests: r.requests,
    '429s': r.status429,
  })
}
console.table(rows)

console.log('client overhead per call vs a bare fetch (same fake endpoint, limits out of the way)')
const overhead = await runOverhead()
const bare = overhead[0]!.meanMs
console.table(
  overhead.map((o) => ({
    task: o.task,
    'mean (ms)': o.meanMs.toFixed(3),
    'p50 (ms)': o.p50Ms.toFixed(3),
    'overhead vs bare (ms)': (o.meanMs - bare).toFixed(3),
    samples: o.samples,
  })),
)
console.log(`bench took ${((Date.now() - started) / 1000).toFixed(0)} s`)
