import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { tenantErrors } from '../http/error-responses'
import { errorBody, HttpError, notFound } from '../http/errors'
import { restaurantParams } from '../restaurants/schemas'
import { tenantOf } from '../restaurants/tenant-scope'
import type { Runtime } from '../runtime'
import { CHECKLIST_TAG, loadChecklist } from './load'
import { createItem, createSection, deleteItem, deleteSection, updateItem, updateSection } from './repository'
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
  // Every write answers only once the cached checklist is dropped: the next read shows it.
  const changed = (restaurantId: string) => runtime.invalidate(restaurantId, [CHECKLIST_TAG])

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
    async (request) => loadChecklist(runtime, tenantOf(request).id),
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
      const created = await createSection(db, tenant.id, request.body).catch(conflict)
      await changed(tenant.id)
      return reply.code(201).send(created)
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
      const updated = await updateSection(db, tenant.id, request.params.id, request.body).catch(conflict)
      if (!updated) throw notFound(`Section ${request.params.id}`)
      await changed(tenant.id)
      return updated
    },
  )

  app.delete(
    '/sections/:id',
    { config: write, schema: { ...tags, summary: 'Delete a section and its items', params: idParams } },
    async (request, reply) => {
      const tenant = tenantOf(request)
      if (!(await deleteSection(db, tenant.id, request.params.id)))
        throw notFound(`Section ${request.params.id}`)
      await changed(tenant.id)
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
      const created = await createItem(db, tenant.id, request.body).catch(conflict)
      await changed(tenant.id)
      return reply.code(201).send(created)
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
      const updated = await updateItem(db, tenant.id, request.params.id, request.body).catch(conflict)
      if (!updated) throw notFound(`Checklist item ${request.params.id}`)
      await changed(tenant.id)
      return updated
    },
  )

  app.delete(
    '/checklist/items/:id',
    { config: write, schema: { ...tags, summary: 'Remove an item', params: idParams } },
    async (request, reply) => {
      const tenant = tenantOf(request)
      if (!(await deleteItem(db, tenant.id, request.params.id)))
        throw notFound(`Checklist item ${request.params.id}`)
      await changed(tenant.id)
      return reply.code(204).send()
    },
  )
}
