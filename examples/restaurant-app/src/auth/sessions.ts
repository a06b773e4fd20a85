import { createHash, randomBytes } from 'node:crypto'
import type { Cache } from '@rc/cache'
import { z } from 'zod'

const sessionSchema = z.object({ userId: z.number().int().positive(), createdAt: z.number() })
export type Session = z.output<typeof sessionSchema>

export const SESSION_COOKIE = 'rc_session'
export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000

/**
 * Sessions kept through @rc/cache (Redis in production): every instance sees
 * them and they outlive a restart. The store key is a hash of the token, so a
 * leaked cache dump holds no usable session.
 */
export function createSessions(cache: Cache) {
  const store = cache.namespace('sessions')
  const keyOf = (token: string) => createHash('sha256').update(token).digest('base64url')
  return {
    async create(userId: number): Promise<string> {
      const token = randomBytes(32).toString('base64url')
      await store.set(keyOf(token), { userId, createdAt: Date.now() }, { ttl: SESSION_TTL_MS })
      return token
    },
    async get(token: string): Promise<Session | undefined> {
      if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined
      return store.get(keyOf(token), { schema: sessionSchema })
    },
    async destroy(token: string): Promise<void> {
      await store.delete(keyOf(token))
    },
  }
}

export type Sessions = ReturnType<typeof createSessions>
