import { z } from 'zod'

/** The new token an install (`application`/`added`) carries. */
export const tokenSchema = z.object({ access_token: z.string().regex(/^[A-Za-z0-9:]{16,200}$/) })
