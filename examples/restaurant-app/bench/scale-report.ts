import { cpus } from 'node:os'
import type { FamilyUsage, KeyFamily } from './redis-memory'
import { ROWS_PER_RESTAURANT, SCALE_RESTAURANTS, SCALE_USERS, TENANT_ROWS_PER_RESTAURANT } from './scale-data'
import type { ScaleHttpResult } from './scale-http'
import type { ScaleSyncResult } from './scale-sync'

/** Written by the scale benches (and `scale-notes` by hand); the default run keeps them. */
export const SCALE_SECTIONS = ['scale-sync', 'scale-notes', 'scale-http']

export interface Meta {
  startedAt: Date
  loads: Record<string, string>
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`
const ms = (value: number) => `${value.toFixed(2)} ms`
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`
const median = (values: number[]) => {
  const v = [...values].sort((a, b) => a - b)
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2
}

function memoryTable(byFamily: Record<KeyFamily, FamilyUsage>, per: number, unit: string): string {
  const rows = (Object.entries(byFamily) as Array<[KeyFamily, FamilyUsage]>)
    .filter(([, f]) => f.keys > 0)
    .map(([name, f]) => {
      const parts = Object.entries(f.parts)
        .sort((a, b) => b[1].bytes - a[1].bytes)
        .slice(0, 4)
        .map(([part, p]) => `\`${part || '-'}\` ${p.keys} keys ${mb(p.bytes)}`)
        .join('; ')
      return `| ${name} | ${f.keys} | ${mb(f.bytes)} | ${kb(f.bytes / per)} | ${parts} |`
    })
  return `| family | keys | bytes | per ${unit} | largest parts |
| ------ | ---- | ----- | ------------- | ------------- |
${rows.join('\n')}`
}

export function renderScaleSync(results: ScaleSyncResult[], meta: Meta): string {
  const first = results[0]!
  const o = first.options
  const ratio = (r: ScaleSyncResult) => r.totalMs / r.minimumMs
  const row = (r: ScaleSyncResult, i: number) =>
    `| ${i + 1} | ${s(r.totalMs)} | ${s(r.minimumMs)} | **${ratio(r).toFixed(2)}** | ${s(r.steadyRateMs)} (${(r.totalMs / r.steadyRateMs).toFixed(2)}) | ${r.rateLimited} | ${r.otherErrors}, ${r.failedJobs.length} | ${r.calls.total} (${r.calls.perRestaurant.min}-${r.calls.perRestaurant.max}, mean ${r.calls.perRestaurant.mean.toFixed(2)}) | ${(r.done.max / r.done.mean).toFixed(2)} (${s(r.done.max)} / ${s(r.done.mean)}) | ${(r.wait.max / r.wait.mean).toFixed(2)} | ${s(r.duration.mean)}, ${s(r.duration.p99)} | ${r.maxPerSecond} | ${r.peakCallsPerS} |`
  const total = median(results.map((r) => r.totalMs))
  const medianRatio = median(results.map(ratio))
  const memory = first.redis
  // The jobs themselves: the queue's part with the most keys (one hash per job).
  const jobs = Object.values(memory.queue.parts).sort((a, b) => b.keys - a.keys)[0] ?? { keys: 0, bytes: 0 }
  return `## At scale: 1,000 restaurants synced at Poster's pacing (\`bench/scale-sync.ts\`)

Run ${utc(meta.startedAt)} with \`BENCH_ONLY=scale-sync\`, ${cpus().length} cores shared with other engineers' tests (load
average ${meta.loads.start} at the start, ${meta.loads.afterSync ?? '-'} after), Node ${process.versions.node}.
${o.restaurants.toLocaleString('en')} accounts on the fake Poster (seed 11, 7 or 8 calls per full sync: 5 lists and one leftovers call per
live storage), each limited by the fake to **${first.perSecond} requests per sliding second** (answering 429 beyond), the app told
the same (\`POSTER_PER_SECOND=${first.perSecond}\`); ${o.restaurants.toLocaleString('en')} restaurants seeded through \`seed()\`, ${(o.restaurants / 10).toLocaleString('en')} managers of ten each. **${o.workers} worker
processes** (\`bench/worker.ts\`) x \`WORKER_CONCURRENCY=${o.concurrency}\` = ${first.slots} jobs at once, one BullMQ queue and one Poster
limiter in Redis. Each round enqueues every restaurant's full sync at once (as the scheduler's tick or a
mass "sync now" would) and waits for all of them; ${results.length} rounds on the same data, each with fresh worker processes.

| round | total | minimum | total / minimum (target <= 1.2) | steady-rate formula (total / it) | 429s (target 0) | other errors, failed jobs | Poster calls (per restaurant) | fairness: enqueue-to-done max / mean (target <= 2) | first-call wait max / mean | sync duration mean, p99 | most calls of one account in 1 s | calls/s at the fake, peak |
| ----- | ----- | ------- | ------------------------------- | -------------------------------- | --------------- | ------------------------- | ----------------------------- | -------------------------------------------------- | -------------------------- | ----------------------- | -------------------------------- | ------------------------- |
${results.map(row).join('\n')}

Median over rounds: **${s(total)}, ${medianRatio.toFixed(2)}x the minimum** (target 1.2x: ${medianRatio <= 1.2 ? 'met' : 'not met'}).

- Minimum, as the pacing allows: with calls taking no time, an account's \`n\` calls under a sliding second of
  ${first.perSecond} need \`earliestLastCall(n) = floor((n - 1) / ${first.perSecond})\` s (1 s for 5 to 8 calls: four at once, the rest a second
  later), and the ${o.restaurants.toLocaleString('en')} jobs go in queue order onto the first free of ${first.slots} slots
  (\`bench/scale-sync.ts\` › \`pacedMakespan\`): \`ceil(${o.restaurants} / ${first.slots}) x 1 s = ${s(first.minimumMs)}\`.
- The steady-rate formula, \`total calls / (${first.perSecond}/s x min(accounts, slots))\` = ${first.calls.total} / (${first.perSecond} x ${Math.min(first.slots, o.restaurants)}) =
  ${s(first.steadyRateMs)}, is *not* a lower bound here: a sliding-second limit lets an account send ${first.perSecond} calls at once, so a
  job of 8 calls needs 1 s, not 2 s. It is the right bound for accounts with long syncs (hundreds of calls), where
  the burst is negligible; the table gives the run against both.
- Fairness: enqueue to the end of the restaurant's sync, max over mean. All jobs are enqueued at once and
  taken in order, so the ends spread evenly over the run and the ideal ratio is just under 2 (uniform);
  a starved account (behind another's backoff, or a 429's Retry-After) would show as a max far past it.
  The first-call wait is the same spread from 0, so about 2 by construction.
- Sync duration: first Poster call to the job's end; the ideal is 1 s (the pacing), the rest is each call's
  latency (sequential within a sync), the final transaction and BullMQ's bookkeeping, and is what puts the
  total over the minimum: \`total ~= ceil(${o.restaurants} / ${first.slots}) x mean duration\`.
- Workers: ${results.map((r) => r.workers.map((w) => w?.jobsCompleted ?? '?').join('/')).join(', ')} jobs per process and round (from the app's metrics), ${results.map((r) => r.workers.reduce((t, w) => t + (w?.posterRetries ?? 0), 0)).join(', ')} Poster retries.
  CPU per sync job: ${results.map((r) => `${(r.workers.reduce((t, w) => t + (w?.cpuMs ?? 0), 0) / Math.max(1, r.jobs)).toFixed(1)} ms`).join(', ')} (the worker processes' CPU time, start-up included, over the jobs they ran).

Redis after round 1 (${o.restaurants.toLocaleString('en')} completed sync jobs kept; \`MEMORY USAGE\` of every key under the run's prefix):

${memoryTable(memory, o.restaurants / 1000, '1,000 restaurants')}

The queue keeps completed jobs for 24 h, at most 5,000 (\`src/jobs/bullmq-queue.ts\`), so its size is bounded by
that count (${kb(jobs.bytes / Math.max(1, jobs.keys))} per kept job here, \`bull:sync:*\`), plus the events stream (${mb(memory.queue.parts['bull:sync:events']?.bytes ?? 0)}; BullMQ trims it to
about 10,000 events), not by the number of restaurants.
`
}

export function renderScaleHttp(r: ScaleHttpResult, meta: Meta): string {
  const o = r.options
  const d = r.database
  const per1000 = SCALE_RESTAURANTS / 1000
  const target = o.rates[0]!
  const limits = { cached: 25, uncached: 50 } as const
  // Held: the offered rate was served (95% or more, no error) with p99 under the mode's target.
  const held = (m: ScaleHttpResult['medians'][number]) =>
    m.p99 < limits[m.mode] && m.requestsPerS >= m.rate * 0.95
  const verdict = (mode: 'cached' | 'uncached') => {
    const at = r.medians.find((m) => m.mode === mode && m.rate === target)!
    const best = r.medians.filter((m) => m.mode === mode && held(m)).sort((a, b) => b.rate - a.rate)[0]
    return `${mode}: p99 **${ms(at.p99)}** at ${at.requestsPerS.toFixed(0)} of ${target} requests/s offered (server p99 ${ms(at.server.p99)}; target < ${limits[mode]} ms at ${target}/s: **${held(at) ? 'met' : 'not met'}**)${held(at) ? '' : best ? `; the highest offered rate that held on this machine: ${best.rate}/s, p99 ${ms(best.p99)}` : `; no offered rate held (lowest tried: ${Math.min(...o.rates)}/s)`}`
  }
  const row = (run: ScaleHttpResult['runs'][number]) =>
    `| ${run.round} | ${run.rate} | ${run.mode} | ${run.requestsPerS.toFixed(0)} | ${ms(run.p50)} | ${ms(run.p90)} | ${ms(run.p99)} | ${ms(run.max)} | ${ms(run.server.p50)} | ${ms(run.server.p99)} | ${run.pool.maxServers} / ${run.pool.maxActive} / ${run.pool.maxClientsWaiting} | ${run.cache.load ?? 0} | ${run.cpuMsPerRequest.toFixed(2)} | ${run.non2xx} / ${run.errors} / ${run.timeouts} |`
  const medianRow = (m: ScaleHttpResult['medians'][number]) =>
    `| ${m.rate} | ${m.mode} | ${m.requestsPerS.toFixed(0)} | ${ms(m.p50)} | ${ms(m.p99)} | ${ms(m.server.p50)} | ${ms(m.server.p99)} | ${m.cpuMsPerRequest.toFixed(2)} | ${m.postgresCpuMsPerRequest.toFixed(3)} / ${m.pgbouncerCpuMsPerRequest.toFixed(3)} | ${m.redisCommandsPerRequest.toFixed(1)} | ${held(m) ? 'yes' : 'no'} |`
  const tables = Object.entries(d.tenantTableBytes)
    .filter(([, b]) => b > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([t, b]) => `${t} ${mb(b)}`)
    .join(', ')
  const sessions = r.redis.byFamily.sessions
  return `## At scale: 10,000 restaurants, 5M rows, PgBouncer, two API instances (\`bench/scale-http.ts\`)

Run ${utc(meta.startedAt)} with \`BENCH_ONLY=scale-http\`, ${cpus().length} cores shared with other engineers' tests (load
average ${meta.loads.start} at the start, ${meta.loads.afterHttp ?? '-'} after), Node ${process.versions.node}.

Data (\`bench/scale-data.ts\`, database \`rc_bench_scale\`, ${d.reused ? 'reused from an earlier run' : `loaded in ${d.loadS.toFixed(1)} s`} with \`INSERT ... SELECT
generate_series\`): ${SCALE_RESTAURANTS.toLocaleString('en')} restaurants of ${TENANT_ROWS_PER_RESTAURANT} tenant rows each (${Object.entries(
    ROWS_PER_RESTAURANT,
  )
    .map(([t, n]) => `${n} ${t}`)
    .join(
      ', ',
    )}), **${d.tenantRows.toLocaleString('en')} tenant rows**; ${SCALE_USERS.toLocaleString('en')} managers of ten restaurants each.
\`pg_database_size\`: **${mb(d.bytes)}, ${mb(d.bytes / per1000)} per 1,000 restaurants** (tables with their indexes: ${tables}).

Deployment: PgBouncer (\`startPgBouncer\` from \`@rc/test-services\`) in transaction pooling with
\`default_pool_size = ${o.poolSize}\` in front of PostgreSQL for the app's login (\`APP_DATABASE_URL\`; migrations as the owner go
straight to PostgreSQL); per mode **two API instances** (\`bench/server.ts\`, each with its pg pool of 10), the cached
pair with \`CACHE=on\` and the uncached pair with \`CACHE=off\`, all four running at once and sharing PgBouncer's pool
(${r.clientConnections} client connections at the end). autocannon in the parent drives both instances of a mode at once, the offered
rate split between them (\`overallRate\`, ${o.connections} connections each); every connection walks 1,000 restaurants drawn at random from all ${SCALE_RESTAURANTS.toLocaleString('en')}
(a new draw per run), as a round-robin balancer would spread them (no instance sees a subset). The request is
\`GET /api/restaurants/:id/${o.path}\` (the first 50 of 150 ingredients, ${kb(r.runs[0]?.bytesPerResponse ?? 0)} per response)
with the restaurant's manager's session (\`Authorization: Bearer\`, ${r.redis.sessions.toLocaleString('en')} sessions made through the app's \`Sessions\`): session
lookup, membership, both plan limits (Redis), then the cached list or, uncached, the RLS-scoped query through
PgBouncer. Before measuring: every restaurant once (the cache's Redis then holds all ${SCALE_RESTAURANTS.toLocaleString('en')} listings; each
instance's memory keeps 5,000 for 30 s), then 5 s at ${target}/s. Then ${o.rounds} interleaved rounds of ${o.durationS} s, each rate
(${o.rates.join(', ')} requests/s) and mode once per round, in turn.

Medians over rounds:

| offered/s | mode | served/s | p50 | p99 | server p50 | server p99 | API CPU ms per request | PostgreSQL / PgBouncer CPU ms per request | Redis commands per request | held (p99 under target, >= 95% served) |
| --------- | ---- | -------- | --- | --- | ---------- | ---------- | ---------------------- | ----------------------------------------- | -------------------------- | -------------------------------------- |
${r.medians.map(medianRow).join('\n')}

- ${verdict('cached')}.
- ${verdict('uncached')}.
- PgBouncer: at most ${Math.max(...r.runs.map((x) => x.pool.maxServers))} server connections open (${Math.max(...r.runs.map((x) => x.pool.maxActive))} active at once) for the instances' client
  connections, ${Math.max(...r.runs.map((x) => x.pool.maxServers)) <= o.poolSize ? 'never more than' : '**more than**'} the ${o.poolSize} it is given (\`SHOW POOLS\` every 100 ms; \`SHOW SERVERS\` at the end: ${r.serverConnections});
  longest client wait for a server ${ms(Math.max(...r.runs.map((x) => x.pool.maxWaitMs)))}.

Every run:

| round | offered/s | mode | served/s | p50 | p90 | p99 | max | server p50 | server p99 | PgBouncer servers / active / clients waiting (max) | tenant queries (cache loads) | API CPU ms per request | non-2xx / errors / timeouts |
| ----- | --------- | ---- | -------- | --- | --- | --- | --- | ---------- | ---------- | -------------------------------------------------- | ---------------------------- | ---------------------- | --------------------------- |
${r.runs.map(row).join('\n')}

p50/p90/p99/max are every 2xx answer's time as autocannon saw it (client, loopback and the parent's event loop
included), but for requests sent in a run's first second: autocannon sets up all its connections synchronously
at the start, and on this loaded machine the first answers waited seconds for that (an earlier run's max was 5-10 s
in every run, its server max under 0.6 s); server p50/p99 are Fastify's \`reply.elapsedTime\` in the instances. "tenant queries" counts the cache's
\`load\` events (the listing query ran; in cached mode, entries past their 5-minute TTL; uncached, also the
sessions' and memberships' loads). API CPU per request: both instances' CPU time (user + system,
\`process.cpuUsage\`) during the run over the answers they gave, in ms. Redis commands: \`total_commands_processed\`
of the bench's own redis-server (started for it, \`startRedis\`) during the run over the requests. PostgreSQL /
PgBouncer CPU: \`/proc/<pid>/stat\` of the backends PgBouncer holds for the database (\`SHOW SERVERS\` › \`remote_pid\`) and of
PgBouncer itself, over the requests (10 ms resolution).

Redis at the end (\`MEMORY USAGE\` of every key; the bench's own redis-server's \`used_memory\` grew by
${mb(r.redis.usedMemoryDelta)} from its start, buffers and Redis' own structures included):

${memoryTable(r.redis.byFamily, per1000, '1,000 restaurants')}

Sessions: ${sessions.bytes > 0 ? `${(sessions.bytes / Math.max(1, sessions.keys)).toFixed(0)} bytes each` : '-'} (${sessions.keys} keys). The limits are sliding logs: one entry per request in
the window (1 minute) per restaurant and per user, so their size follows the request rate of the last minute
(the rates above, across ${SCALE_RESTAURANTS.toLocaleString('en')} restaurants), not the number of restaurants.
`
}
