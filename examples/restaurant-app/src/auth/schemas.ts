import { z } from 'zod'

export const credentials = z.object({
  email: z.string().trim().email('must be an email address').max(254),
  password: z.string().min(1, 'must not be empty').max(1024),
  /** The login form's page to return to (a path on this site). */
  next: z.string().max(2000).optional(),
})
