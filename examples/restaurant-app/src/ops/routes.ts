import type { FastifyPluginAsync } from 'fastify'
import type { Auth } from '../auth/guard'
import { jobStates } from '../jobs/queue'
import type { Runtime } from '../runtime'
import { opsAccess } from './access'

async function timed<T>(
  probe: () => Promise<T>,
): Promise<{ ok: boolean; ms: number; detail?: T; error?: string }> {
  const started = performance.now()
  try {
    const detail = await Promise.race([
      probe(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('timed out after 2 s')), 2_000).unref(),
      ),
    ])
    return { ok: true, ms: Math.round(performance.now() - started), detail }
  } catch (error) {
    return {
      ok: false,
      ms: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
    }
  }
}

/** Health, readiness, liveness, Prometheus metrics and the cache's state. */
export const opsRoutes: FastifyPluginAsync<{ runtime: Runtime; auth: Auth }> = async (
  app,
  { runtime, auth },
) => {
  const tags = ['operations']
  const onlyOps = { onRequest: opsAccess(runtime, auth)('ops') }
  const checks = async () => {
    const [db, redis, queue, schedules] = await Promise.all([
      timed(
        async () =>
          (await runtime.db.pool.query('SELECT 1 AS ok')).rows.length === 1 ||
          Promise.reject(new Error('no row')),
      ),
      runtime.redis
        ? timed(async () => runtime.redis?.ping())
        : Promise.resolve({ ok: true, ms: 0, detail: 'embedded (memory stores)' }),
      timed(async () => {
        if (!(await runtime.jobs.ping())) throw new Error('queue backend unreachable')
        return { kind: runtime.jobs.kind, ...(await runtime.jobs.counts()) }
      }),
      timed(() => runtime.jobs.schedules()),
    ])
    return {
      db: { kind: runtime.db.kind, ...db },
      redis,
      queue,
      // A schedule lost with Redis's data means syncs that never run: a fault, unless none is expected here.
      schedules: {
        ok: schedules.ok && (!schedules.detail?.expected || schedules.detail.missing.length === 0),
        missing: schedules.detail?.missing ?? [],
        ...(schedules.error ? { error: schedules.error } : {}),
      },
      cache: runtime.cache.stats().mode,
    }
  }

  app.get('/health', { schema: { tags, security: [], summary: 'The process answers' } }, async () => ({
    status: 'ok',
  }))
  app.get('/live', { schema: { tags, security: [], summary: 'Liveness probe' } }, async () => ({
    status: 'ok',
  }))
  // Ready means the API can answer, which needs the database. Without Redis it degrades (cache and limits
  // fall back to memory, syncs answer 503) but still serves: Redis and the queue do not make it unready.
  app.get(
    '/ready',
    { schema: { tags, security: [], summary: 'Readiness: the database answers' } },
    async (_request, reply) => {
      const result = await checks()
      const ready = result.db.ok
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not ready', db: result.db.ok, queue: result.queue.ok })
    },
  )
  app.get(
    '/health/detailed',
    { ...onlyOps, schema: { tags, summary: 'Database, Redis, queue and schedules, each with its latency' } },
    async (_request, reply) => {
      const result = await checks()
      // Redis down degrades (cache and limits fall back to memory) but does not stop the API.
      const status = !result.db.ok
        ? 'down'
        : result.redis.ok && result.queue.ok && result.schedules.ok
          ? 'ok'
          : 'degraded'
      return reply.code(status === 'down' ? 503 : 200).send({ status, ...result })
    },
  )

  app.get(
    '/metrics',
    { ...onlyOps, schema: { tags, summary: 'Prometheus metrics' } },
    async (_request, reply) => {
      const counts = await runtime.jobs.counts().catch(() => undefined)
      if (counts) for (const state of jobStates) runtime.metrics.queueDepth.set({ state }, counts[state])
      return reply.type(runtime.metrics.registry.contentType).send(await runtime.metrics.registry.metrics())
    },
  )

  app.get(
    '/api/cache-status',
    { ...onlyOps, schema: { tags, summary: 'Cache mode (primary / fallback) and hit statistics' } },
    async () => ({
      enabled: runtime.config.cacheEnabled,
      backend: runtime.redis ? 'redis' : 'memory',
      ...runtime.cache.stats(),
    }),
  )
}
