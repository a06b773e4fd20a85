import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { Auth } from '../auth/guard'
import { tenantErrors } from '../http/error-responses'
import { errorBody, HttpError, notFound } from '../http/errors'
import { removeMembership, setRole } from '../offboard'
import { restaurantParams } from '../restaurants/schemas'
import { tenantOf } from '../restaurants/tenant-scope'
import type { Runtime } from '../runtime'
import { publicOrigin } from './origin'
import { createInvitationWriter, createMemberReader } from './repository'
import {
  acceptBody,
  createdInvitation,
  invitationList,
  invitationParams,
  inviteBody,
  memberList,
  memberParams,
  roleBody,
} from './schemas'

const admin = { minRole: 'admin' as const }
const tags = { tags: ['members'] }
const lastAdmin = () =>
  new HttpError(409, 'LAST_ADMIN', 'A restaurant keeps at least one admin: make someone else admin first.')

/**
 * A restaurant's members and invitations, for its admins. Role changes and removals go through
 * src/offboard.ts, which also drops the user's cached access: they apply on every instance's next request.
 */
export const memberRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  const read = createMemberReader(runtime.db.pool)
  const invitations = createInvitationWriter(runtime.owner)

  /** The member's current role, or a 404 for someone who is not a member. */
  const roleOf = async (restaurantId: string, userId: number) => {
    const found = (await read.members(restaurantId)).find((m) => m.userId === userId)
    if (!found) throw notFound(`Member ${userId}`)
    return found.role
  }

  app.get(
    '/members',
    {
      config: admin,
      schema: {
        ...tags,
        summary: 'Members and their roles',
        params: restaurantParams,
        response: tenantErrors({ 200: memberList }),
      },
    },
    async (request) => ({ items: await read.members(tenantOf(request).id) }),
  )

  app.put(
    '/members/:userId',
    {
      config: admin,
      schema: {
        ...tags,
        summary: "Change a member's role (applies on their next request)",
        params: memberParams,
        body: roleBody,
        response: tenantErrors({ 200: roleBody, 409: errorBody }),
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      const { userId } = request.params
      const current = await roleOf(tenant.id, userId)
      if (current === 'admin' && request.body.role !== 'admin' && (await read.admins(tenant.id)) <= 1)
        throw lastAdmin()
      await setRole(runtime, runtime.owner, userId, tenant.id, request.body.role)
      return { role: request.body.role }
    },
  )

  app.delete(
    '/members/:userId',
    {
      config: admin,
      schema: { ...tags, summary: 'Remove a member (applies on their next request)', params: memberParams },
    },
    async (request, reply) => {
      const tenant = tenantOf(request)
      const { userId } = request.params
      if ((await roleOf(tenant.id, userId)) === 'admin' && (await read.admins(tenant.id)) <= 1)
        throw lastAdmin()
      await removeMembership(runtime, runtime.owner, userId, tenant.id)
      return reply.code(204).send()
    },
  )

  app.get(
    '/invitations',
    {
      config: admin,
      schema: {
        ...tags,
        summary: 'Invitations not yet used',
        params: restaurantParams,
        response: tenantErrors({ 200: invitationList }),
      },
    },
    async (request) => ({ items: await read.pending(tenantOf(request).id) }),
  )

  app.post(
    '/invitations',
    {
      config: admin,
      schema: {
        ...tags,
        summary: 'Invite someone by link: the answer holds the link, this once',
        params: restaurantParams,
        body: inviteBody,
        response: tenantErrors({ 201: createdInvitation }),
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request)
      const created = await invitations.create({
        restaurantId: tenant.id,
        role: request.body.role,
        createdBy: tenant.userId,
        ttlMs: request.body.expiresInDays * 86_400_000,
      })
      return reply.code(201).send({
        id: created.id,
        role: request.body.role,
        createdAt: new Date(),
        expiresAt: created.expiresAt,
        url: `${publicOrigin(runtime, request)}/invite/${created.token}`,
      })
    },
  )

  app.delete(
    '/invitations/:invitationId',
    { config: admin, schema: { ...tags, summary: 'Revoke an invitation', params: invitationParams } },
    async (request, reply) => {
      if (!(await invitations.revoke(tenantOf(request).id, request.params.invitationId)))
        throw notFound(`Invitation ${request.params.invitationId}`)
      return reply.code(204).send()
    },
  )
}

/** Accepting an invitation: any logged-in user holding the link. */
export const acceptRoutes: FastifyPluginAsyncZod<{ runtime: Runtime; auth: Auth }> = async (
  app,
  { runtime, auth },
) => {
  const read = createMemberReader(runtime.db.pool)
  const invitations = createInvitationWriter(runtime.owner)
  app.post(
    '/api/invitations/accept',
    { schema: { ...tags, summary: 'Join the restaurant of an invitation link', body: acceptBody } },
    async (request) => {
      const user = await auth.requireUser(request)
      const { token } = request.body
      const found = await read.byToken(token)
      const member = found ? auth.membershipsOf(request)[found.restaurantId] : undefined
      if (found && member)
        throw new HttpError(
          409,
          'ALREADY_MEMBER',
          `You are already ${member} of ${found.restaurantName}; the link stays unused.`,
        )
      const claimed = await invitations.claim(token, user.id)
      if (!claimed)
        throw new HttpError(
          410,
          'INVITATION_UNUSABLE',
          'This invitation was used, revoked or has expired: ask for a new link.',
        )
      try {
        await setRole(runtime, runtime.owner, user.id, claimed.restaurantId, claimed.role)
      } catch (error) {
        await invitations.unclaim(token)
        throw error
      }
      return { restaurantId: claimed.restaurantId, role: claimed.role }
    },
  )
}
