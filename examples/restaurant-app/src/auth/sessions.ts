import { createHash, randomBytes } from 'node:crypto'
import type { CacheStore } from '@rc/cache'
import { z } from 'zod'
import { SessionStoreUnavailableError } from '../http/errors'
import type { Revocations } from './revocations'

const sessionSchema = z.object({ userId: z.number().int().positive(), createdAt: z.number() })
export type Session = z.output<typeof sessionSchema>

export const SESSION_COOKIE = 'rc_session'
export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000

const TOKEN = /^[A-Za-z0-9_-]{43}$/
// Redis answers within a millisecond; a command still pending after this counts as a store that is down.
const STORE_TIMEOUT_MS = 1_000
// After a failure, calls skip the store this long (no request waits on a frozen Redis); then one probes it.
const PAUSE_AFTER_FAILURE_MS = 1_000
// A session this instance checked in the store stays usable this long while the store is unreachable.
const REMEMBER_MS = 5 * 60_000
const REMEMBER_MAX = 10_000
const DELETE_ATTEMPTS = 2
const REVOCATION_POLL_MS = 2_000

class StoreDown extends Error {}

/**
 * Sessions in Redis (a `CacheStore` of @rc/cache, used directly: no memory fallback and no near cache,
 * because a session is not a cached copy of anything). The store key is a hash of the token, so a leaked
 * dump holds no usable session.
 *
 * While the store does not answer: a session this instance checked in the last minutes keeps working,
 * any other is a 503 (never a 401: it may be valid), a login is a 503 (a session kept in one instance's
 * memory would be a 401 on the next), and a logout is recorded in PostgreSQL (`revocations`), honoured
 * by every instance within two seconds and applied to the store once it answers.
 */
export function createSessions(options: { store: CacheStore; prefix: string; revocations?: Revocations }) {
  const { store, revocations } = options
  const hashOf = (token: string) => createHash('sha256').update(token).digest('base64url')
  const keyOf = (hash: string) => `${options.prefix}:session:${hash}`
  const remembered = new Map<string, { session: Session; checkedAt: number }>()
  let pausedUntil = 0
  let probing = false

  /** One store command, bounded in time; throws StoreDown without waiting while the store is known down. */
  async function call<T>(operation: () => Promise<T>, options: { force?: boolean } = {}): Promise<T> {
    const isProbe = pausedUntil > 0
    if (!options.force && isProbe && (Date.now() < pausedUntil || probing)) throw new StoreDown()
    if (store.isReady?.() === false) {
      pausedUntil = Date.now() + PAUSE_AFTER_FAILURE_MS
      throw new StoreDown()
    }
    if (isProbe) probing = true
    let timer: NodeJS.Timeout | undefined
    try {
      const result = await Promise.race([
        operation(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new StoreDown()), STORE_TIMEOUT_MS)
        }),
      ])
      pausedUntil = 0
      return result
    } catch {
      pausedUntil = Date.now() + PAUSE_AFTER_FAILURE_MS
      throw new StoreDown()
    } finally {
      clearTimeout(timer)
      if (isProbe) probing = false
    }
  }

  function remember(hash: string, session: Session): void {
    remembered.delete(hash)
    remembered.set(hash, { session, checkedAt: Date.now() })
    if (remembered.size > REMEMBER_MAX) remembered.delete(remembered.keys().next().value as string)
  }

  function parse(raw: string | undefined): Session | undefined {
    if (raw === undefined) return undefined
    try {
      return sessionSchema.parse(JSON.parse(raw))
    } catch {
      return undefined
    }
  }

  // Revocations recorded by any instance: forget them here, and delete them from the store once it answers.
  let polling: Promise<void> | undefined
  const poll = async () => {
    if (!revocations) return
    const pending = await revocations.refresh()
    for (const hash of revocations.all()) remembered.delete(hash)
    if (pending.length === 0) return
    await call(() => store.delete(pending.map(keyOf)), { force: true })
    await revocations.markApplied(pending)
  }
  const timer = revocations
    ? setInterval(() => {
        polling ??= poll()
          .catch(() => {}) // PostgreSQL or Redis away: the next round tries again
          .finally(() => {
            polling = undefined
          })
      }, REVOCATION_POLL_MS)
    : undefined
  timer?.unref()

  return {
    /** False while the store is known to be down: no point hashing a password for a login then. */
    available(): boolean {
      return Date.now() >= pausedUntil
    },
    async create(userId: number): Promise<string> {
      const token = randomBytes(32).toString('base64url')
      const hash = hashOf(token)
      const session = { userId, createdAt: Date.now() }
      try {
        await call(() => store.set(keyOf(hash), JSON.stringify(session), SESSION_TTL_MS))
      } catch {
        throw new SessionStoreUnavailableError('Cannot log you in now')
      }
      remember(hash, session)
      return token
    },
    /** The session, undefined when there is none; throws a 503 error when the store cannot say. */
    async get(token: string): Promise<Session | undefined> {
      if (!TOKEN.test(token)) return undefined
      const hash = hashOf(token)
      if (revocations?.has(hash)) return undefined
      try {
        const session = parse(await call(() => store.get(keyOf(hash))))
        if (session) remember(hash, session)
        else remembered.delete(hash)
        return session
      } catch {
        const known = remembered.get(hash)
        const now = Date.now()
        if (known && now - known.checkedAt < REMEMBER_MS && known.session.createdAt + SESSION_TTL_MS > now)
          return known.session
        throw new SessionStoreUnavailableError('Cannot check your session now')
      }
    },
    /** Resolves once the session is gone from the store or its revocation is recorded durably; else throws. */
    async destroy(token: string): Promise<void> {
      if (!TOKEN.test(token)) return
      const hash = hashOf(token)
      remembered.delete(hash)
      let deleted = false
      for (let attempt = 1; attempt <= DELETE_ATTEMPTS && !deleted; attempt++) {
        try {
          await call(() => store.delete([keyOf(hash)]), { force: true })
          deleted = true
        } catch {
          if (attempt < DELETE_ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, 250))
        }
      }
      // Recorded even when deleted: other instances may remember the session for an outage to come.
      const recorded = revocations
        ? await revocations.record(hash, deleted).then(
            () => true,
            () => false,
          )
        : false
      if (!deleted && !recorded) throw new SessionStoreUnavailableError('Cannot end your session now')
    },
    async close(): Promise<void> {
      if (timer) clearInterval(timer)
      await polling
    },
  }
}

export type Sessions = ReturnType<typeof createSessions>
