import { PosterError } from '../errors'
import { type PosterSupply, suppliesSchema } from '../schemas/storage'
import type { PosterClient } from './create-client'
import type { CallOptions } from './options'
import { type PosterParams, toYmd } from './query'

/**
 * Filters of `storage.getSupplies`; dates as `Ymd` strings or Dates (UTC days), both inclusive.
 * Without dates Poster returns only the last month; with both, it ignores `limit` and `offset`, so
 * page by date ranges (iterate the query) rather than by offset.
 */
export interface GetSuppliesParams {
  dateFrom?: string | Date
  dateTo?: string | Date
  /** Ignored by Poster when `dateFrom` and `dateTo` are given. */
  limit?: number
  /** Ignored by Poster when `dateFrom` and `dateTo` are given. */
  offset?: number
  /** Days per call when the query is iterated. Default 30. */
  rangeDays?: number
}

/**
 * `await` it for one call with the parameters as given; `for await` over it to walk from `dateTo`
 * (default today) back to `dateFrom` (default 30 days before `dateTo`) one date range per call,
 * newest supply first, each supply once. Nothing is sent until one or the other starts.
 */
export type SuppliesQuery = Promise<PosterSupply[]> & AsyncIterable<PosterSupply>

const DAY_MS = 86_400_000

function toDay(value: string | Date, what: string): number {
  if (value instanceof Date && !Number.isNaN(value.getTime())) {
    return Date.UTC(value.getUTCFullYear(), value.getUTCMonth(), value.getUTCDate())
  }
  const match = typeof value === 'string' ? /^(\d{4})(\d{2})(\d{2})$/.exec(value) : null
  if (!match) {
    throw new PosterError(
      'POSTER_INVALID_ARGUMENT',
      `getSupplies ${what} must be a Date or a Ymd string such as "20260131", got ${JSON.stringify(value)}.`,
      { method: 'storage.getSupplies' },
    )
  }
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))
}

export function suppliesQuery(
  call: PosterClient['call'],
  params: GetSuppliesParams = {},
  options?: CallOptions,
): SuppliesQuery {
  const { rangeDays: _, ...single } = params
  let once: Promise<PosterSupply[]> | undefined
  const run = () => (once ??= call('storage.getSupplies', single as PosterParams, suppliesSchema, options))

  async function* walk(): AsyncGenerator<PosterSupply> {
    const rangeDays = params.rangeDays ?? 30
    if (!Number.isInteger(rangeDays) || rangeDays < 1) {
      throw new PosterError(
        'POSTER_INVALID_ARGUMENT',
        `rangeDays must be a positive integer, got ${rangeDays}.`,
        {
          method: 'storage.getSupplies',
        },
      )
    }
    const last = toDay(params.dateTo ?? new Date(), 'dateTo')
    const first = params.dateFrom === undefined ? last - 30 * DAY_MS : toDay(params.dateFrom, 'dateFrom')
    const seen = new Set<number>()
    for (let to = last; to >= first; to -= rangeDays * DAY_MS) {
      const from = Math.max(first, to - (rangeDays - 1) * DAY_MS)
      const rows = await call(
        'storage.getSupplies',
        { dateFrom: toYmd(new Date(from)), dateTo: toYmd(new Date(to)) },
        suppliesSchema,
        options,
      )
      // `Y-m-d H:i:s` sorts as text; Poster lists newest first, but the order is not documented.
      for (const supply of [...rows].sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0))) {
        if (seen.has(supply.supply_id)) continue
        seen.add(supply.supply_id)
        yield supply
      }
    }
  }

  return {
    // biome-ignore lint/suspicious/noThenProperty: a lazy promise: awaiting the query makes its one call
    then: (onFulfilled, onRejected) => run().then(onFulfilled, onRejected),
    catch: (onRejected) => run().catch(onRejected),
    finally: (onFinally) => run().finally(onFinally),
    [Symbol.toStringTag]: 'SuppliesQuery',
    [Symbol.asyncIterator]: () => walk(),
  }
}
