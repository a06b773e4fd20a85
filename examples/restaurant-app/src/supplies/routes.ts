import { PosterError, toCurrencyUnits } from '@rc/poster-client'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { z } from 'zod'
import { tenantErrors } from '../http/error-responses'
import { errorBody, HttpError } from '../http/errors'
import { restaurantParams } from '../restaurants/schemas'
import { tenantOf } from '../restaurants/tenant-scope'
import type { Runtime } from '../runtime'
import { suppliesQuery, supplyList } from './schemas'

const DAY_MS = 86_400_000
const MARKER = /rc-order:([0-9a-f-]{36})/

/**
 * The restaurant's recent supplies, read from Poster (cached until the next sync or a supply this app
 * sends). Poster pages supplies only by date range, so they are walked range by range, newest first,
 * stopping at `limit`.
 */
export const supplyRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  app.get(
    '/supplies',
    {
      schema: {
        tags: ['inventory'],
        summary: 'Recent supplies, from Poster',
        params: restaurantParams,
        querystring: suppliesQuery,
        response: tenantErrors({ 200: supplyList, 502: errorBody.describe('Poster did not answer') }),
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      const { days, limit } = request.query
      const items = await runtime.cached(
        tenant.id,
        `supplies:${days}:${limit}`,
        ['inventory', 'orders'],
        async () => {
          const restaurant = await runtime.control.restaurants.get(tenant.id)
          if (!restaurant) throw new HttpError(404, 'NOT_FOUND', `Restaurant ${tenant.id} does not exist.`)
          const poster = runtime.posters.forRestaurant(restaurant)
          const found: Array<z.output<typeof supplyList>['items'][number] & { marker?: string }> = []
          try {
            const walk = poster.storage.getSupplies({
              dateFrom: new Date(Date.now() - (days - 1) * DAY_MS),
              rangeDays: 31,
            })
            for await (const s of walk) {
              const marker = MARKER.exec(String(s.supply_comment ?? ''))?.[1]
              found.push({
                id: s.supply_id,
                date: s.date,
                storageId: s.storage_id,
                storageName: s.storage_name ?? null,
                supplierId: s.supplier_id,
                supplierName: s.supplier_name ?? null,
                sum: s.supply_sum === undefined ? 0 : toCurrencyUnits(s.supply_sum),
                comment: s.supply_comment ?? null,
                deleted: s.delete === 1,
                orderId: null,
                ...(marker ? { marker } : {}),
              })
              if (found.length >= limit) break
            }
          } catch (error) {
            if (error instanceof PosterError) throw new HttpError(502, 'POSTER_UNAVAILABLE', error.message)
            throw error
          }
          const markers = found.flatMap((s) => (s.marker ? [s.marker] : []))
          const orders = new Map<string, number>()
          if (markers.length > 0) {
            const { rows } = await runtime.db.tenant.query<{ marker: string; orderId: number }>(
              tenant.id,
              'SELECT marker::text, order_id::int AS "orderId" FROM poster_supplies WHERE marker = ANY($1::uuid[])',
              [markers],
            )
            for (const r of rows) orders.set(r.marker, r.orderId)
          }
          return found.map(({ marker, ...s }) => ({
            ...s,
            orderId: marker ? (orders.get(marker) ?? null) : null,
          }))
        },
      )
      return { items }
    },
  )
}
