import type { PosterClient, PosterLeftover } from '@rc/poster-client'
import {
  leftoverTypes,
  PosterAuthError,
  PosterHttpError,
  PosterNetworkError,
  PosterPermissionError,
  PosterResponseError,
  PosterTimeoutError,
  toCurrencyUnits,
} from '@rc/poster-client'
import type { TenantTx } from '@rc/tenant-db'
import type { Database } from '../infra/database'
import type { Metrics } from '../infra/metrics'
import {
  type JobContext,
  PermanentJobError,
  type SyncJobData,
  type SyncScope,
  syncScopes,
} from '../jobs/queue'
import type { RestaurantRepository } from '../restaurants/repository'
import { LISTS, type ListRow, type ListScope } from './lists'
import type { PosterClients } from './posters'
import type { SyncEventRepository } from './repository'

export interface SyncDeps {
  db: Database
  restaurants: RestaurantRepository
  syncEvents: SyncEventRepository
  posters: PosterClients
  /** Drops cached inventory of the restaurant after a write. */
  invalidateInventory(restaurantId: string): Promise<void>
  /** The per-account circuit breaker: failures in a row before backing off, and for how long. */
  breaker: { failures: number; cooldownMs: number; maxMs: number }
  metrics: Metrics
}

/** Poster's side failing (5xx, timeouts, cut answers, no connection): what the breaker counts. */
function isPosterOutage(error: unknown): boolean {
  return (
    error instanceof PosterHttpError ||
    error instanceof PosterTimeoutError ||
    error instanceof PosterNetworkError ||
    error instanceof PosterResponseError
  )
}

export interface SyncResult {
  restaurantId: string
  skipped?: string
  counts: Partial<Record<SyncScope, number>>
}

// Leftovers point at storages and ingredients: fetching them needs both fresh.
function expand(scope: readonly SyncScope[] | undefined): SyncScope[] {
  const wanted = new Set<SyncScope>(scope ?? syncScopes)
  if (wanted.has('stock')) {
    wanted.add('storages')
    wanted.add('ingredients')
  }
  return syncScopes.filter((s) => wanted.has(s))
}

interface Fetched {
  /** Rows of each list fetched, in scope order (storages before ingredients before stock's FKs need them). */
  lists: Map<ListScope, ListRow[]>
  stock?: Array<{ storageId: number; rows: PosterLeftover[] }>
}

/**
 * One restaurant's sync: every Poster call first, then all writes in one
 * tenant transaction. A sync that dies halfway has written nothing, and the
 * writes are upserts keyed on (restaurant_id, poster_id), so a retry (or a
 * duplicate webhook) converges to the same rows: no duplicates, nothing lost.
 */
export async function syncRestaurant(
  deps: SyncDeps,
  data: SyncJobData,
  context: JobContext,
): Promise<SyncResult> {
  const restaurant = await deps.restaurants.get(data.restaurantId)
  if (!restaurant) throw new PermanentJobError(`Restaurant ${data.restaurantId} does not exist.`)
  if (!restaurant.active) return { restaurantId: restaurant.id, skipped: 'inactive', counts: {} }
  if (restaurant.status === 'needs_reauth')
    return { restaurantId: restaurant.id, skipped: 'needs_reauth', counts: {} }
  // An account that keeps failing is left alone until its back-off ends; a manual sync is the probe.
  const backoff = restaurant.posterBackoffUntil
  if (backoff && backoff.getTime() > Date.now() && data.reason !== 'manual')
    return { restaurantId: restaurant.id, skipped: 'poster-backing-off', counts: {} }

  const scope = expand(data.scope)
  await deps.syncEvents.record(
    restaurant.id,
    context.id,
    context.attempt === 1 ? 'started' : 'retrying',
    scope.join(','),
  )
  await deps.restaurants.setStatus(restaurant.id, 'syncing', restaurant.lastError)
  try {
    const poster = deps.posters.forRestaurant(restaurant)
    const fetched = await fetchAll(poster, scope, context)
    const counts = await deps.db.tenant.withTenant(restaurant.id, (tx) =>
      writeAll(tx, restaurant.id, fetched),
    )
    await context.progress(100)
    await deps.restaurants.markSynced(restaurant.id)
    await deps.restaurants.posterRecovered(restaurant.id)
    await deps.syncEvents.record(restaurant.id, context.id, 'done', JSON.stringify(counts))
    await deps.invalidateInventory(restaurant.id)
    return { restaurantId: restaurant.id, counts }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    await deps.syncEvents.record(restaurant.id, context.id, 'failed', message)
    if (error instanceof PosterAuthError) {
      await deps.restaurants.setStatus(restaurant.id, 'needs_reauth', message)
      throw new PermanentJobError(`Poster refused the token of ${restaurant.id}: re-authorisation needed.`)
    }
    if (error instanceof PosterPermissionError) {
      // The app was not granted a section (code 20): retrying cannot help until the owner grants it.
      await deps.restaurants.setStatus(restaurant.id, 'error', message)
      throw new PermanentJobError(`Poster denied a section to ${restaurant.id}: ${message}`)
    }
    if (isPosterOutage(error)) {
      const { failures, backoffUntil } = await deps.restaurants.posterFailed(restaurant.id, deps.breaker)
      if (backoffUntil && backoffUntil.getTime() > Date.now()) {
        deps.metrics.posterBreakerOpened.inc()
        const why = `Poster keeps failing for this account (${failures} syncs in a row); its syncs back off until ${backoffUntil.toISOString()}: ${message}`
        await deps.syncEvents.record(restaurant.id, context.id, 'failed', why)
        await deps.restaurants.setStatus(restaurant.id, 'error', why)
        // The breaker decides when to try again, not the job's retries.
        throw new PermanentJobError(why)
      }
    }
    await deps.restaurants.setStatus(restaurant.id, 'error', message)
    throw error
  }
}

async function fetchAll(poster: PosterClient, scope: SyncScope[], context: JobContext): Promise<Fetched> {
  const fetched: Fetched = { lists: new Map() }
  const steps = scope.length + 1
  let done = 0
  for (const part of scope) {
    if (part === 'stock') {
      // expand() puts storages in every scope that has stock, and before it.
      const live = (fetched.lists.get('storages') ?? []).filter((s) => !s.deleted).map((s) => s.poster_id)
      fetched.stock = []
      for (const storageId of live) {
        fetched.stock.push({
          storageId,
          rows: await poster.storage.getStorageLeftovers({ storage_id: storageId, zero_leftovers: true }),
        })
      }
    } else {
      const spec = LISTS[part]
      fetched.lists.set(
        part,
        (await spec.fetch(poster)).map((item) => spec.row(item)),
      )
    }
    await context.progress((++done / steps) * 90)
  }
  return fetched
}

async function upsert(
  tx: TenantTx,
  restaurantId: string,
  table: string,
  columns: Record<string, string>,
  rows: ListRow[],
): Promise<number> {
  const names = Object.keys(columns)
  const record = names.map((n) => `${n} ${columns[n]}`).join(', ')
  const updates = names.filter((n) => n !== 'poster_id').map((n) => `${n} = EXCLUDED.${n}`)
  await tx.query(
    `INSERT INTO ${table} (restaurant_id, ${names.join(', ')}, synced_at)
     SELECT $1, ${names.map((n) => `x.${n}`).join(', ')}, now() FROM jsonb_to_recordset($2::jsonb) AS x(${record})
     ON CONFLICT (restaurant_id, poster_id) DO UPDATE SET ${[...updates, 'synced_at = EXCLUDED.synced_at'].join(', ')}`,
    [restaurantId, JSON.stringify(rows)],
  )
  // Poster keeps deleted items in its lists; anything absent altogether is gone too.
  await tx.query(
    `UPDATE ${table} SET deleted = true WHERE restaurant_id = $1 AND NOT deleted AND NOT (poster_id = ANY($2::int[]))`,
    [restaurantId, rows.map((r) => r.poster_id)],
  )
  return rows.length
}

async function writeAll(tx: TenantTx, restaurantId: string, f: Fetched): Promise<SyncResult['counts']> {
  const counts: SyncResult['counts'] = {}
  for (const [part, rows] of f.lists)
    counts[part] = await upsert(tx, restaurantId, part, LISTS[part].columns, rows)
  if (f.stock) {
    // Leftovers list products (their own stock) beside ingredients: only ingredients are stock here.
    // Poster's prime cost is in kopecks; the table keeps currency units.
    const rows = f.stock.flatMap(({ storageId, rows: leftovers }) =>
      leftovers
        .filter((l) => (l.ingredients_type ?? leftoverTypes.ingredient) === leftoverTypes.ingredient)
        .map((l) => ({
          storage_poster_id: storageId,
          ingredient_poster_id: l.ingredient_id,
          name: l.ingredient_name,
          unit: l.ingredient_unit ?? null,
          quantity: l.storage_ingredient_left ?? l.ingredient_left,
          prime_cost: l.prime_cost === undefined ? null : toCurrencyUnits(l.prime_cost),
        })),
    )
    const json = JSON.stringify(rows)
    const shape = `storage_poster_id int, ingredient_poster_id int, name text, unit text, quantity numeric, prime_cost numeric`
    // An ingredient Poster reports stock for but did not list: keep its stock, and the ingredient from the leftover's own fields.
    await tx.query(
      `INSERT INTO ingredients (restaurant_id, poster_id, name, unit)
       SELECT DISTINCT ON (x.ingredient_poster_id) $1, x.ingredient_poster_id, x.name, x.unit
       FROM jsonb_to_recordset($2::jsonb) AS x(${shape}) ON CONFLICT (restaurant_id, poster_id) DO NOTHING`,
      [restaurantId, json],
    )
    // Stock is fetched for every live storage, so it replaces the whole table (a deleted storage's stock goes too).
    await tx.query('DELETE FROM stock_levels WHERE restaurant_id = $1', [restaurantId])
    await tx.query(
      `INSERT INTO stock_levels (restaurant_id, storage_poster_id, ingredient_poster_id, quantity, prime_cost)
       SELECT $1, x.storage_poster_id, x.ingredient_poster_id, x.quantity, x.prime_cost
       FROM jsonb_to_recordset($2::jsonb) AS x(${shape})`,
      [restaurantId, json],
    )
    counts.stock = rows.length
  }
  return counts
}
