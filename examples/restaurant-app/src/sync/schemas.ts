import { z } from 'zod'
import { restaurantParams } from '../restaurants/schemas'

/** Ours (`sync-<uuid>`) or BullMQ's (`repeat:...`): nothing else names a job. */
export const jobId = z.string().regex(/^[A-Za-z0-9:_-]{1,200}$/, 'is not a job id')

export const jobParams = restaurantParams.extend({ jobId })

export const job = z.object({
  id: z.string(),
  name: z.string(),
  restaurantId: z.string().optional(),
  state: z.enum(['waiting', 'delayed', 'active', 'completed', 'failed']),
  progress: z.number().min(0).max(100),
  attempts: z.number().int(),
  failedReason: z.string().optional(),
  result: z.unknown().optional(),
  createdAt: z.number().describe('epoch ms'),
  finishedAt: z.number().optional(),
})

export const enqueued = z.object({
  jobId: z.string(),
  deduplicated: z
    .boolean()
    .describe('true when the same sync was already pending: its id is returned, and it runs now'),
})

export const syncEvents = z.object({
  items: z.array(
    z.object({
      jobId: z.string().nullable(),
      kind: z.enum(['started', 'done', 'failed', 'retrying', 'token']),
      message: z.string().nullable(),
      at: z.date(),
    }),
  ),
})
