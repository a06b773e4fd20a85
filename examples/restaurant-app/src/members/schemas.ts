import { z } from 'zod'
import { rowIdText } from '../http/fields'
import { restaurantParams } from '../restaurants/schemas'

export const roleSchema = z.enum(['admin', 'manager', 'viewer'])
export const memberParams = restaurantParams.extend({ userId: rowIdText })
export const invitationParams = restaurantParams.extend({ invitationId: rowIdText })
export const roleBody = z.object({ role: roleSchema })
export const inviteBody = z.object({
  role: roleSchema,
  /** How long the link works. */
  expiresInDays: z.number().int().min(1).max(30).default(7),
})
export const acceptBody = z.object({
  token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'is not an invitation token'),
})

export const member = z.object({
  userId: z.number().int(),
  name: z.string(),
  email: z.string(),
  role: roleSchema,
})
export const memberList = z.object({ items: z.array(member) })
export const invitation = z.object({
  id: z.number().int(),
  role: roleSchema,
  createdAt: z.date(),
  expiresAt: z.date(),
})
export const invitationList = z.object({ items: z.array(invitation) })
export const createdInvitation = invitation.extend({
  url: z.string().describe('the link to give the invitee: shown this once, only its hash is kept'),
})
