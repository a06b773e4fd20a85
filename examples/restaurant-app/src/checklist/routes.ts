import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { z } from 'zod'
import { tenantErrors } from '../http/error-responses'
import { errorBody, HttpError, notFound } from '../http/errors'
import { restaurantParams } from '../restaurants/schemas'
import { tenantOf } from '../restaurants/tenant-scope'
import type { Runtime } from '../runtime'
import {
  checklist,
  checklistItem,
  idParams,
  itemBody,
  itemPatch,
  section,
  sectionBody,
  sectionPatch,
} from './schemas'

const write = { minRole: 'manager' as const }

/** Translates constraint violations into answers a client can act on. */
function conflict(error: unknown): never {
  const code = (error as { code?: string }).code
  if (code === '23505')
    throw new HttpError(409, 'ALREADY_EXISTS', 'An entry with the same name or ingredient exists already.')
  if (code === '23503')
    throw new HttpError(
      400,
      'UNKNOWN_REFERENCE',
      'The section, ingredient or supplier does not exist in this restaurant.',
    )
  throw error
}

/** Checklist sections and the items counted in each; suggestions compare stock with par levels. */
export const checklistRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  const db = runtime.db.tenant
  const tags = { tags: ['checklist'] }

  app.get(
    '/checklist',
    {
      schema: {
        ...tags,
        summary: 'Sections with their items, stock and suggested order',
        params: restaurantParams,
        response: tenantErrors({ 200: checklist }),
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      const { rows: sections } = await db.query<z.output<typeof section>>(
        tenant.id,
        'SELECT id::int, name, position FROM sections ORDER BY position, id',
      )
      type Row = z.output<typeof checklistItem> & { name: string; unit: string | null; left: number }
      const { rows: items } = await db.query<Row>(
        tenant.id,
        `SELECT c.id::int, c.section_id::int AS "sectionId", c.ingredient_poster_id AS "ingredientId", i.name, i.unit,
              c.supplier_poster_id AS "supplierId", c.par_level::float8 AS "parLevel", c.position,
              coalesce((SELECT sum(quantity) FROM stock_levels s WHERE s.restaurant_id = c.restaurant_id
                        AND s.ingredient_poster_id = c.ingredient_poster_id), i.left_total)::float8 AS "left"
       FROM checklist_items c JOIN ingredients i ON i.restaurant_id = c.restaurant_id AND i.poster_id = c.ingredient_poster_id
       ORDER BY c.position, c.id`,
      )
      return {
        sections: sections.map((s) => ({
          ...s,
          items: items
            .filter((i) => i.sectionId === s.id)
            .map((i) => ({
              ...i,
              suggestedOrder: Math.max(0, Math.round((i.parLevel - i.left) * 1000) / 1000),
            })),
        })),
      }
    },
  )

  app.post(
    '/sections',
    {
      config: write,
      schema: {
        ...tags,
        summary: 'Add a section',
        params: restaurantParams,
        body: sectionBody,
        response: tenantErrors({ 201: section, 409: errorBody }),
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request)
      const { rows } = await db
        .query<z.output<typeof section>>(
          tenant.id,
          'INSERT INTO sections (restaurant_id, name, position) VALUES ($1, $2, $3) RETURNING id::int, name, position',
          [tenant.id, request.body.name, request.body.position],
        )
        .catch(conflict)
      return reply.code(201).send(rows[0] as z.output<typeof section>)
    },
  )

  app.patch(
    '/sections/:id',
    {
      config: write,
      schema: {
        ...tags,
        summary: 'Rename or move a section',
        params: idParams,
        body: sectionPatch,
        response: tenantErrors({ 200: section, 409: errorBody }),
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      const { rows } = await db
        .query<z.output<typeof section>>(
          tenant.id,
          `UPDATE sections SET name = coalesce($2, name), position = coalesce($3, position) WHERE id = $1
           RETURNING id::int, name, position`,
          [request.params.id, request.body.name ?? null, request.body.position ?? null],
        )
        .catch(conflict)
      if (!rows[0]) throw notFound(`Section ${request.params.id}`)
      return rows[0]
    },
  )

  app.delete(
    '/sections/:id',
    { config: write, schema: { ...tags, summary: 'Delete a section and its items', params: idParams } },
    async (request, reply) => {
      const tenant = tenantOf(request)
      const { rowCount } = await db.query(tenant.id, 'DELETE FROM sections WHERE id = $1', [
        request.params.id,
      ])
      if (!rowCount) throw notFound(`Section ${request.params.id}`)
      return reply.code(204).send()
    },
  )

  app.post(
    '/checklist/items',
    {
      config: write,
      schema: {
        ...tags,
        summary: 'Add an item to count',
        params: restaurantParams,
        body: itemBody,
        response: tenantErrors({ 201: checklistItem, 409: errorBody }),
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request)
      const b = request.body
      const { rows } = await db
        .query<z.output<typeof checklistItem>>(
          tenant.id,
          `INSERT INTO checklist_items (restaurant_id, section_id, ingredient_poster_id, supplier_poster_id, par_level, position)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING id::int, section_id::int AS "sectionId", ingredient_poster_id AS "ingredientId",
                   supplier_poster_id AS "supplierId", par_level::float8 AS "parLevel", position`,
          [tenant.id, b.sectionId, b.ingredientId, b.supplierId, b.parLevel, b.position],
        )
        .catch(conflict)
      return reply.code(201).send(rows[0] as z.output<typeof checklistItem>)
    },
  )

  app.patch(
    '/checklist/items/:id',
    {
      config: write,
      schema: {
        ...tags,
        summary: 'Change an item',
        params: idParams,
        body: itemPatch,
        response: tenantErrors({ 200: checklistItem, 409: errorBody }),
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      const b = request.body
      const { rows } = await db
        .query<z.output<typeof checklistItem>>(
          tenant.id,
          `UPDATE checklist_items SET par_level = coalesce($2, par_level), position = coalesce($3, position),
             supplier_poster_id = CASE WHEN $4 THEN $5 ELSE supplier_poster_id END
           WHERE id = $1
           RETURNING id::int, section_id::int AS "sectionId", ingredient_poster_id AS "ingredientId",
                     supplier_poster_id AS "supplierId", par_level::float8 AS "parLevel", position`,
          [
            request.params.id,
            b.parLevel ?? null,
            b.position ?? null,
            b.supplierId !== undefined,
            b.supplierId ?? null,
          ],
        )
        .catch(conflict)
      if (!rows[0]) throw notFound(`Checklist item ${request.params.id}`)
      return rows[0]
    },
  )

  app.delete(
    '/checklist/items/:id',
    { config: write, schema: { ...tags, summary: 'Remove an item', params: idParams } },
    async (request, reply) => {
      const tenant = tenantOf(request)
      const { rowCount } = await db.query(tenant.id, 'DELETE FROM checklist_items WHERE id = $1', [
        request.params.id,
      ])
      if (!rowCount) throw notFound(`Checklist item ${request.params.id}`)
      return reply.code(204).send()
    },
  )
}
