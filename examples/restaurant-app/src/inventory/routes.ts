import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { tenantErrors } from '../http/error-responses'
import { restaurantParams } from '../restaurants/schemas'
import { tenantOf } from '../restaurants/tenant-scope'
import type { Runtime } from '../runtime'
import { LIST_COLUMNS, type ListName, listStock, listSynced } from './repository'
import { inventoryItems, listQuery, stockList, stockQuery } from './schemas'

/** Read-only lists synced from Poster, cached per restaurant until the next sync writes. */
export const inventoryRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  for (const name of Object.keys(LIST_COLUMNS) as ListName[]) {
    app.get(
      `/${name}`,
      {
        schema: {
          tags: ['inventory'],
          summary: `List the restaurant's ${name} (synced from Poster)`,
          params: restaurantParams,
          querystring: listQuery,
          response: tenantErrors({
            200: z.object({ items: z.array(inventoryItems[name]) }),
          }),
        },
      },
      async (request) => {
        const tenant = tenantOf(request)
        const { includeDeleted, limit, offset } = request.query
        const key = `${name}:${includeDeleted}:${limit}:${offset}`
        const items = await runtime.cached(tenant.id, key, ['inventory'], () =>
          listSynced(runtime.db.tenant, tenant.id, name, { includeDeleted, limit, offset }),
        )
        return { items }
      },
    )
  }

  app.get(
    '/stock',
    {
      schema: {
        tags: ['inventory'],
        summary: 'Stock per storage and ingredient at the last sync',
        params: restaurantParams,
        querystring: stockQuery,
        response: tenantErrors({ 200: stockList }),
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      const storageId = request.query.storageId
      const items = await runtime.cached(tenant.id, `stock:${storageId ?? 'all'}`, ['inventory'], () =>
        listStock(runtime.db.tenant, tenant.id, storageId),
      )
      return { items }
    },
  )
}
