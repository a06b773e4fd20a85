import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createTokenCipher } from '../src/tokens'

const k1 = randomBytes(32)
const k2 = randomBytes(32)
const token = '100001:0123456789abcdef0123456789abcdef'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return (error as { code?: string }).code
  }
  return undefined
}

describe('createTokenCipher', () => {
  it('round-trips any string and writes v1.<keyId>.<iv>.<tag>.<ciphertext> in base64url', () => {
    const cipher = createTokenCipher({ keys: { k1 }, current: 'k1' })
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }),
        (plain) => cipher.decrypt(cipher.encrypt(plain)) === plain,
      ),
    )
    const out = cipher.encrypt(token)
    expect(out).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/)
    expect(out).not.toContain(token)
    expect(cipher.encrypt(token)).not.toBe(out)
  })

  it('accepts keys as base64 strings', () => {
    const cipher = createTokenCipher({ keys: { k1: k1.toString('base64') }, current: 'k1' })
    expect(createTokenCipher({ keys: { k1 }, current: 'k1' }).decrypt(cipher.encrypt(token))).toBe(token)
  })

  it('rotates to the current key and still reads old ciphertexts', () => {
    const old = createTokenCipher({ keys: { k1 }, current: 'k1' }).encrypt(token)
    const cipher = createTokenCipher({ keys: { k1, k2 }, current: 'k2' })
    expect(cipher.decrypt(old)).toBe(token)
    expect(cipher.needsRotation(old)).toBe(true)
    const rotated = cipher.rotate(old)
    expect(rotated.startsWith('v1.k2.')).toBe(true)
    expect(cipher.needsRotation(rotated)).toBe(false)
    expect(cipher.rotate(rotated)).toBe(rotated)
    expect(createTokenCipher({ keys: { k2 }, current: 'k2' }).decrypt(rotated)).toBe(token)
  })

  it('any changed character fails as tampered (property)', () => {
    const cipher = createTokenCipher({ keys: { k1 }, current: 'k1' })
    const out = cipher.encrypt(token)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const start = 'v1.k1.'.length
    fc.assert(
      fc.property(fc.integer({ min: start, max: out.length - 1 }), fc.constantFrom(...alphabet), (i, c) => {
        if (out[i] === '.' || out[i] === c) return true
        const changed = out.slice(0, i) + c + out.slice(i + 1)
        const code = codeOf(() => cipher.decrypt(changed))
        // Changing only the unused low bits of a base64url group's last character decodes to the same bytes.
        return code === 'POSTER_TOKEN_TAMPERED' || (code === undefined && cipher.decrypt(changed) === token)
      }),
    )
  })

  it('a key id swapped for another known key fails as tampered (the id is authenticated)', () => {
    const cipher = createTokenCipher({ keys: { k1, k2: k1 }, current: 'k1' })
    const swapped = cipher.encrypt(token).replace('v1.k1.', 'v1.k2.')
    expect(codeOf(() => cipher.decrypt(swapped))).toBe('POSTER_TOKEN_TAMPERED')
  })

  it('typed errors: unknown key id, wrong key length, bad current, malformed input', () => {
    const out = createTokenCipher({ keys: { k1 }, current: 'k1' }).encrypt(token)
    const other = createTokenCipher({ keys: { k2 }, current: 'k2' })
    expect(codeOf(() => other.decrypt(out))).toBe('POSTER_TOKEN_UNKNOWN_KEY')
    expect(codeOf(() => other.rotate(out))).toBe('POSTER_TOKEN_UNKNOWN_KEY')
    expect(codeOf(() => createTokenCipher({ keys: { k1: randomBytes(16) }, current: 'k1' }))).toBe(
      'POSTER_TOKEN_KEY_INVALID',
    )
    expect(codeOf(() => createTokenCipher({ keys: { k1: 'c2hvcnQ=' }, current: 'k1' }))).toBe(
      'POSTER_TOKEN_KEY_INVALID',
    )
    expect(codeOf(() => createTokenCipher({ keys: { k1 }, current: 'k9' }))).toBe('POSTER_TOKEN_KEY_INVALID')
    expect(codeOf(() => createTokenCipher({ keys: { 'k.1': k1 }, current: 'k.1' }))).toBe(
      'POSTER_TOKEN_KEY_INVALID',
    )
    for (const bad of ['', 'plain-token', 'v2.k1.a.b.c', 'v1.k1.a.b', 'v1.k1.a.b.c!']) {
      expect(codeOf(() => other.decrypt(bad))).toBe('POSTER_TOKEN_MALFORMED')
    }
    const cipher = createTokenCipher({ keys: { k1 }, current: 'k1' })
    const [v, id, , tag, data] = out.split('.')
    expect(codeOf(() => cipher.decrypt([v, id, 'AAAA', tag, data].join('.')))).toBe('POSTER_TOKEN_TAMPERED')
  })
})
