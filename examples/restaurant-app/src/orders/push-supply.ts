import {
  PosterApiError,
  PosterAuthError,
  type PosterClient,
  PosterError,
  PosterPermissionError,
} from '@rc/poster-client'
import type { Database } from '../infra/database'
import type { Metrics } from '../infra/metrics'
import { type JobContext, PermanentJobError, type SupplyJobData } from '../jobs/queue'
import type { RestaurantRepository } from '../restaurants/repository'
import type { PosterClients } from '../sync/posters'
import {
  claimOutbox,
  loadOutbox,
  markerText,
  type OutboxRow,
  recordDone,
  recordOutcome,
  recordSending,
  type SupplyState,
} from './supply-outbox'

export interface SupplyDeps {
  db: Database
  restaurants: RestaurantRepository
  posters: PosterClients
  /** How long a worker holds an order's supply; half of it bounds the worker's own Poster calls. */
  supplyLeaseMs: number
  metrics: Metrics
  /** Drops the restaurant's cached orders once a supply's state changed. */
  invalidateOrders(restaurantId: string): Promise<void>
}

const DAY_MS = 86_400_000

/** Thrown to retry later: the job's backoff, then the sweeper, try again; nothing was sent. */
class ClaimedElsewhere extends Error {
  override name = 'ClaimedElsewhere'
}

/**
 * Poster's supplies of the days around the one we sent, searched for our marker. Poster keys supplies
 * by its own account-local day, so a day either side covers any timezone.
 */
async function findSupply(
  poster: PosterClient,
  row: OutboxRow,
  signal: AbortSignal,
): Promise<number | undefined> {
  const day = Date.parse(`${row.payload.supply.date.slice(0, 10)}T00:00:00Z`)
  const supplies = await poster.storage.getSupplies(
    { dateFrom: new Date(day - DAY_MS), dateTo: new Date(day + DAY_MS) },
    { signal },
  )
  const marker = markerText(row.marker)
  const found = supplies.filter((s) => String(s.supply_comment ?? '').includes(marker))
  return found.length === 0 ? undefined : Math.min(...found.map((s) => s.supply_id))
}

/** Poster answered with an error: nothing was created, and sending it again would be refused again. */
function refusedByPoster(error: unknown): boolean {
  return (
    error instanceof PosterApiError ||
    error instanceof PosterPermissionError ||
    error instanceof PosterAuthError
  )
}

/**
 * Sends a received order to Poster as a supply, exactly once. Poster has no idempotency key and a
 * createSupply whose answer was lost may have been made, so: claim the order's outbox row; if any
 * earlier attempt may have reached Poster, look for the supply by its marker first; record the
 * attempt before the POST; then record the answer. A worker that dies anywhere in between leaves the
 * row claimed until its lease ends, and the next one starts with the reconciliation read.
 */
export async function pushSupply(
  deps: SupplyDeps,
  data: SupplyJobData,
  context: JobContext,
): Promise<{ state: SupplyState; posterSupplyId?: number }> {
  const { restaurantId, orderId } = data
  const restaurant = await deps.restaurants.get(restaurantId)
  if (!restaurant) throw new PermanentJobError(`Restaurant ${restaurantId} does not exist.`)
  const db = deps.db.tenant
  let row = await claimOutbox(db, restaurantId, orderId, deps.supplyLeaseMs)
  for (let waited = false; !row; waited = true) {
    const current = await db.withTenant(restaurantId, (tx) => loadOutbox(tx, orderId))
    if (!current) throw new PermanentJobError(`Order ${orderId} of ${restaurantId} has no supply to send.`)
    if (current.state === 'done' || current.state === 'failed') {
      return {
        state: current.state,
        ...(current.posterSupplyId ? { posterSupplyId: current.posterSupplyId } : {}),
      }
    }
    // Another worker holds it, or held it and died (its job re-run after a crash): once its claim
    // lapses this one takes over, rather than spending its retries before then.
    const wait = (current.claimedUntil?.getTime() ?? 0) - Date.now() + 100
    if (waited || wait > deps.supplyLeaseMs + 1_000) {
      throw new ClaimedElsewhere(
        `Order ${orderId}'s supply is being sent by another worker; trying again later.`,
      )
    }
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    row = await claimOutbox(db, restaurantId, orderId, deps.supplyLeaseMs)
  }

  const poster = deps.posters.forRestaurant(restaurant)
  // Our calls end well before the claim does, so no other worker reconciles while ours may still land.
  const signal = AbortSignal.timeout(deps.supplyLeaseMs / 2)
  const done = async (posterSupplyId: number, outcome: string) => {
    await recordDone(db, restaurantId, orderId, posterSupplyId)
    deps.metrics.posterSupplies.inc({ outcome })
    await deps.invalidateOrders(restaurantId)
    return { state: 'done' as const, posterSupplyId }
  }

  if (row.attempts > 0) {
    // A POST that timed out may still be landing: give Poster a moment before looking for it.
    const settle = row.updatedAt.getTime() + Math.min(deps.supplyLeaseMs / 4, 10_000) - Date.now()
    if (row.state === 'unknown' && settle > 0) await new Promise((resolve) => setTimeout(resolve, settle))
    let found: number | undefined
    try {
      found = await findSupply(poster, row, signal)
    } catch (error) {
      // Without the read we cannot know: never POST blind. The row keeps its state for the next try.
      await recordOutcome(
        db,
        restaurantId,
        orderId,
        'unchanged',
        `reconciliation read failed: ${String(error)}`,
      )
      throw error
    }
    if (found !== undefined) return done(found, 'reconciled')
  }

  await recordSending(db, restaurantId, orderId)
  await context.progress(50)
  try {
    return await done(await poster.storage.createSupply(row.payload, { signal }), 'created')
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    if (refusedByPoster(error)) {
      await recordOutcome(db, restaurantId, orderId, 'failed', message)
      deps.metrics.posterSupplies.inc({ outcome: 'refused' })
      await deps.invalidateOrders(restaurantId)
      return { state: 'failed' }
    }
    if (error instanceof PosterError && error.code === 'POSTER_INVALID_ARGUMENT') {
      await recordOutcome(db, restaurantId, orderId, 'failed', message)
      await deps.invalidateOrders(restaurantId)
      return { state: 'failed' }
    }
    // The limiter's store failed: nothing left this process. Anything else may have reached Poster.
    const notSent = error instanceof PosterError && error.code === 'POSTER_LIMITER_UNAVAILABLE'
    await recordOutcome(db, restaurantId, orderId, notSent ? 'pending' : 'unknown', message)
    deps.metrics.posterSupplies.inc({ outcome: notSent ? 'not-sent' : 'unknown' })
    throw error
  }
}
