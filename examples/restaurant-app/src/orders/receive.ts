import { randomUUID } from 'node:crypto'
import type { TenantTx } from '@rc/tenant-db'
import { HttpError } from '../http/errors'
import { addToOutbox, markerText, type OutboxRow } from './supply-outbox'

/** What a receipt may say: the storage it went into and the prices on the invoice (currency units). */
export interface Receipt {
  storageId?: number | undefined
  prices?: Array<{ ingredientId: number; unitPrice: number }> | undefined
}

const pad = (n: number) => String(n).padStart(2, '0')
const posterDateTime = (d: Date) =>
  `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`

/**
 * In the transaction that marks the order received: fixes the Poster supply it becomes (storage, lines,
 * prices, date, and the marker in its comment) in the outbox, so every attempt sends the same supply.
 * A line without an invoice price is priced at the ingredient's last synced prime cost.
 */
export async function queueSupply(
  tx: TenantTx,
  restaurantId: string,
  order: { id: number; supplierId: number; note: string | null },
  receipt: Receipt,
): Promise<void> {
  const { rows: storages } = await tx.query<{ id: number }>(
    `SELECT poster_id AS id FROM storages WHERE NOT deleted AND ($1::int IS NULL OR poster_id = $1) ORDER BY poster_id LIMIT 1`,
    [receipt.storageId ?? null],
  )
  const storageId = storages[0]?.id
  if (storageId === undefined) {
    throw new HttpError(
      receipt.storageId === undefined ? 409 : 400,
      'UNKNOWN_STORAGE',
      receipt.storageId === undefined
        ? 'This restaurant has no storage synced from Poster to receive into; sync it first.'
        : `Storage ${receipt.storageId} does not exist in this restaurant (or was deleted in Poster).`,
    )
  }
  const { rows: lines } = await tx.query<{ id: number; num: number; primeCost: number | null }>(
    `SELECT l.ingredient_poster_id AS id, l.quantity::float8 AS num,
       (SELECT s.prime_cost::float8 FROM stock_levels s
        WHERE s.restaurant_id = l.restaurant_id AND s.ingredient_poster_id = l.ingredient_poster_id AND s.prime_cost IS NOT NULL
        ORDER BY s.storage_poster_id = $2 DESC, s.storage_poster_id LIMIT 1) AS "primeCost"
     FROM supplier_order_lines l WHERE l.order_id = $1 ORDER BY l.ingredient_poster_id`,
    [order.id, storageId],
  )
  const invoice = new Map((receipt.prices ?? []).map((p) => [p.ingredientId, p.unitPrice]))
  const unknown = [...invoice.keys()].filter((id) => !lines.some((l) => l.id === id))
  if (unknown.length > 0) {
    throw new HttpError(
      400,
      'UNKNOWN_REFERENCE',
      `Prices name ingredients not in this order: ${unknown.join(', ')}.`,
    )
  }
  const marker = randomUUID()
  const comment = [order.note?.slice(0, 200), markerText(marker)].filter(Boolean).join(' ')
  const payload: OutboxRow['payload'] = {
    supply: {
      date: posterDateTime(new Date()),
      supplier_id: order.supplierId,
      storage_id: storageId,
      supply_comment: comment,
    },
    // Type 4: ingredient. `sum` is Poster's price per unit, in currency units.
    ingredient: lines.map((l) => ({
      id: l.id,
      type: 4,
      num: l.num,
      sum: invoice.get(l.id) ?? l.primeCost ?? 0,
    })),
  }
  await addToOutbox(tx, restaurantId, order.id, marker, payload)
}
