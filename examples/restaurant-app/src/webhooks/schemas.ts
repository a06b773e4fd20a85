import { z } from 'zod'

/** The new token an install (`application`/`added`) carries in its signed `data`. */
export const tokenSchema = z.object({ access_token: z.string().regex(/^[A-Za-z0-9:]{16,200}$/) })

export const webhookOutcomes = ['handled', 'duplicate', 'ignored'] as const

/** Every correctly signed event is answered 200 with this, handled or not: Poster retries anything else. */
export const webhookAnswer = z.object({
  status: z.literal('accept').describe("Poster's documented acknowledgement"),
  outcome: z.enum(webhookOutcomes),
  reason: z.string().optional().describe('why it was ignored, or what it did'),
  jobId: z.string().optional().describe('the sync it started'),
})
export type WebhookAnswer = z.output<typeof webhookAnswer>
