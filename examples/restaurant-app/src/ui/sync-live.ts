import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Runtime } from '../runtime'
import { formatAgo, formatTime } from './format'
import { STATUS_TEXT } from './pages/overview'

const POLL_MS = 400
// A stream ends by itself after this; the page reconnects if a sync is still running.
const MAX_MS = 120_000

/**
 * Live sync progress as Server-Sent Events: one request (charged once to the plan) that pushes the job's
 * progress and the restaurant's status until the sync is over, instead of a poll per second.
 * `job`: follow that job (a sync just started); otherwise the restaurant's current sync, if any.
 */
export async function streamSyncProgress(
  runtime: Runtime,
  restaurantId: string,
  jobId: string | undefined,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  reply.hijack()
  const res = reply.raw
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    connection: 'keep-alive',
  })
  let open = true
  request.raw.on('close', () => {
    open = false
  })
  const started = Date.now()
  let followed = jobId
  let sent = ''
  while (open && Date.now() - started < MAX_MS) {
    const restaurant = await runtime.control.restaurants.get(restaurantId)
    if (!restaurant) break
    if (!followed && restaurant.status === 'syncing') {
      const [last] = await runtime.control.syncEvents.recent(restaurantId, 1)
      followed = last?.jobId ?? undefined
    }
    const job = followed ? await runtime.jobs.get(followed) : undefined
    const finished = !job || job.state === 'completed' || job.state === 'failed'
    const event = {
      status: restaurant.status,
      statusText: STATUS_TEXT[restaurant.status] ?? restaurant.status,
      state: job?.state ?? null,
      progress: job?.progress ?? (restaurant.status === 'syncing' ? 0 : 100),
      failedReason: job?.failedReason ?? null,
      lastError: restaurant.lastError,
      lastSyncAt: restaurant.lastSyncAt?.toISOString() ?? null,
      lastSyncText: restaurant.lastSyncAt ? formatAgo(restaurant.lastSyncAt) : 'never',
      lastSyncTitle: restaurant.lastSyncAt ? formatTime(restaurant.lastSyncAt) : '',
      done: finished && restaurant.status !== 'syncing',
    }
    const data = JSON.stringify(event)
    if (data !== sent) {
      res.write(`data: ${data}\n\n`)
      sent = data
    }
    if (event.done) break
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
  res.end()
}
