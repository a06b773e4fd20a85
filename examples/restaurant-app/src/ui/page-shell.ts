import type { FastifyRequest } from 'fastify'
import type { Runtime } from '../runtime'
import { layout, type PageOptions } from './layout'

/** Redis (cache, limits, sessions) is not answering: pages are served from what this instance kept. */
export const degraded = (runtime: Runtime) =>
  (runtime.redis !== undefined && runtime.redis.status !== 'ready') ||
  runtime.cache.stats().mode === 'fallback'

/** The page shell with the request's user and the service's state filled in. */
export function pageOf(
  runtime: Runtime,
  request: FastifyRequest,
  options: Omit<PageOptions, 'user' | 'stale'>,
) {
  return layout({ ...options, user: request.user, stale: degraded(runtime) })
}
