import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'

const COOKIE_PREFIX = 'rc_device_'
const MAX_AGE_S = 365 * 24 * 3600

/**
 * OWASP's device cookies: after a successful login the browser gets a signed cookie naming the account
 * (by a keyed hash, not the email) and a random nonce. A login that presents it is from a device that
 * knew the password before, and is throttled on its own budget rather than the account's.
 * Keys derive from TOKEN_KEYS (the first signs, all verify), so rotating those rotates these.
 */
export function createDeviceCookies(options: { keys: Buffer[]; secure: boolean | 'auto' }) {
  const keys = options.keys.map((key) =>
    Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'rc-app device cookie v1', 32)),
  )
  const mac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest('base64url')
  const nameOf = (key: Buffer, account: string) =>
    `${COOKIE_PREFIX}${mac(key, `name:${account}`).slice(0, 16)}`
  const sign = (key: Buffer, name: string, nonce: string) => mac(key, `${name}.${nonce}`).slice(0, 22)

  return {
    /** The nonce of a valid device cookie for `account`, if the request carries one. */
    read(request: FastifyRequest, account: string): string | undefined {
      for (const key of keys) {
        const name = nameOf(key, account)
        const value = request.cookies[name]
        if (!value) continue
        const [nonce, signature] = value.split('.')
        if (!nonce || !signature || !/^[A-Za-z0-9_-]{22}$/.test(nonce)) continue
        const expected = Buffer.from(sign(key, name, nonce))
        const given = Buffer.from(signature)
        if (given.length === expected.length && timingSafeEqual(given, expected)) return nonce
      }
      return undefined
    },
    /** A fresh device cookie for `account` (a new nonce at each login, as OWASP describes). */
    issue(reply: FastifyReply, account: string): void {
      const key = keys[0] as Buffer
      const name = nameOf(key, account)
      const nonce = randomBytes(16).toString('base64url')
      reply.setCookie(name, `${nonce}.${sign(key, name, nonce)}`, {
        httpOnly: true,
        sameSite: 'strict',
        path: '/api/auth/login',
        maxAge: MAX_AGE_S,
        secure: options.secure,
      })
    },
  }
}

export type DeviceCookies = ReturnType<typeof createDeviceCookies>
