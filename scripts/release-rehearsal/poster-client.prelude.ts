// What the README's quick start takes from the reader's app.
import type { Redis } from 'ioredis'
import type { z } from 'zod'

declare const redis: Redis
declare const decryptedToken: string
declare const mySchema: z.ZodType<{ ingredient_id: number }[]>
declare function markNeedsReauthorization(account: string): Promise<void>
