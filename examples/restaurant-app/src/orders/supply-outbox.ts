import type { CreateSupplyInput } from '@rc/poster-client'
import type { TenantDb, TenantTx } from '@rc/tenant-db'

// `poster_supplies`: one row per received order, the durable record of its way to Poster.

export type SupplyState = 'pending' | 'sending' | 'unknown' | 'done' | 'failed'

export interface OutboxRow {
  orderId: number
  marker: string
  payload: CreateSupplyInput & { supply: { date: string } }
  state: SupplyState
  attempts: number
  posterSupplyId: number | null
  lastError: string | null
  claimedUntil: Date | null
  updatedAt: Date
}

const COLUMNS = `order_id::int AS "orderId", marker::text, payload, state, attempts, poster_supply_id AS "posterSupplyId",
  last_error AS "lastError", claimed_until AS "claimedUntil", updated_at AS "updatedAt"`

/** `rc-order:<marker>` in the supply's comment is how a supply is found again in Poster. */
export const markerText = (marker: string) => `rc-order:${marker}`

/** Inside the transaction that marks the order received. */
export async function addToOutbox(
  tx: TenantTx,
  restaurantId: string,
  orderId: number,
  marker: string,
  payload: OutboxRow['payload'],
): Promise<void> {
  await tx.query(
    'INSERT INTO poster_supplies (restaurant_id, order_id, marker, payload) VALUES ($1, $2, $3, $4)',
    [restaurantId, orderId, marker, JSON.stringify(payload)],
  )
}

export async function loadOutbox(tx: TenantTx, orderId: number): Promise<OutboxRow | undefined> {
  const { rows } = await tx.query<OutboxRow>(`SELECT ${COLUMNS} FROM poster_supplies WHERE order_id = $1`, [
    orderId,
  ])
  return rows[0]
}

/**
 * Takes the row for `leaseMs`, unless it is done, failed, or claimed by a worker whose claim still
 * runs. A row left `sending` by a worker that died is taken over once its claim has passed.
 */
export async function claimOutbox(
  db: TenantDb,
  restaurantId: string,
  orderId: number,
  leaseMs: number,
): Promise<OutboxRow | undefined> {
  const { rows } = await db.query<OutboxRow>(
    restaurantId,
    `UPDATE poster_supplies SET claimed_until = now() + make_interval(secs => $2::float8 / 1000)
     WHERE order_id = $1 AND state IN ('pending', 'sending', 'unknown') AND (claimed_until IS NULL OR claimed_until < now())
     RETURNING ${COLUMNS}`,
    [orderId, leaseMs],
  )
  return rows[0]
}

/** Before the POST, committed: from here a crash leaves `sending`, which the next worker reconciles. */
export async function recordSending(db: TenantDb, restaurantId: string, orderId: number): Promise<void> {
  await db.query(
    restaurantId,
    `UPDATE poster_supplies SET state = 'sending', attempts = attempts + 1, updated_at = now() WHERE order_id = $1`,
    [orderId],
  )
}

export async function recordDone(
  db: TenantDb,
  restaurantId: string,
  orderId: number,
  posterSupplyId: number,
): Promise<void> {
  await db.query(
    restaurantId,
    `UPDATE poster_supplies SET state = 'done', poster_supply_id = $2, last_error = NULL, claimed_until = NULL,
       updated_at = now() WHERE order_id = $1`,
    [orderId, posterSupplyId],
  )
}

/** Ends an attempt that did not finish the supply, and lets the next worker claim the row at once. */
export async function recordOutcome(
  db: TenantDb,
  restaurantId: string,
  orderId: number,
  state: Exclude<SupplyState, 'done' | 'sending'> | 'unchanged',
  error: string,
): Promise<void> {
  await db.query(
    restaurantId,
    `UPDATE poster_supplies SET state = CASE WHEN $2 = 'unchanged' THEN state ELSE $2 END, last_error = $3,
       claimed_until = NULL, updated_at = now() WHERE order_id = $1`,
    [orderId, state, error.slice(0, 2_000)],
  )
}

/** Orders whose supply is still on its way and free to claim (the sweeper's list). */
export async function dueOutbox(db: TenantDb, restaurantId: string): Promise<number[]> {
  const { rows } = await db.query<{ orderId: number }>(
    restaurantId,
    `SELECT order_id::int AS "orderId" FROM poster_supplies
     WHERE state IN ('pending', 'sending', 'unknown') AND (claimed_until IS NULL OR claimed_until < now())
     ORDER BY order_id`,
  )
  return rows.map((r) => r.orderId)
}

/** A failed supply goes back to pending (the retry path); other states are left as they are. */
export async function retryOutbox(
  db: TenantDb,
  restaurantId: string,
  orderId: number,
): Promise<SupplyState | undefined> {
  const { rows } = await db.query<{ state: SupplyState }>(
    restaurantId,
    `UPDATE poster_supplies SET state = CASE WHEN state = 'failed' THEN 'pending' ELSE state END, updated_at = now()
     WHERE order_id = $1 RETURNING state`,
    [orderId],
  )
  return rows[0]?.state
}
