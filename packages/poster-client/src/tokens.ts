import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { PosterTokenCipherError } from './errors'

/** Options of {@link createTokenCipher}. */
export interface TokenCipherOptions {
  /** Keys by id: 32 bytes each, as a Buffer or a base64 / base64url string. Ids: letters, digits, `_` and `-`. */
  keys: Record<string, Uint8Array | string>
  /** Id of the key new ciphertexts are written with. */
  current: string
}

/** Encrypts Poster tokens at rest with AES-256-GCM and rotates them between keys. */
export interface TokenCipher {
  /** `v1.<keyId>.<iv>.<tag>.<ciphertext>`, base64url parts, under the current key. */
  encrypt(plaintext: string): string
  /** Decrypts with whichever known key the ciphertext names. */
  decrypt(ciphertext: string): string
  /** Re-encrypts under the current key (returns the input unchanged if it already uses it). */
  rotate(ciphertext: string): string
  /** True when the ciphertext was written with a key other than the current one. */
  needsRotation(ciphertext: string): boolean
}

const VERSION = 'v1'
const KEY_ID = /^[A-Za-z0-9_-]+$/
const KEY_BYTES = 32
// 96-bit IVs are GCM's native size; random IVs stay safe far beyond the number of tokens we hold.
const IV_BYTES = 12
const TAG_BYTES = 16
const B64URL = /^[A-Za-z0-9_-]*$/

function keyError(message: string): PosterTokenCipherError {
  return new PosterTokenCipherError('POSTER_TOKEN_KEY_INVALID', message)
}

function toKey(id: string, key: Uint8Array | string): Buffer {
  if (!KEY_ID.test(id))
    throw keyError(`key id ${JSON.stringify(id)} may only hold letters, digits, "_" and "-".`)
  const bytes = typeof key === 'string' ? Buffer.from(key, 'base64') : Buffer.from(key)
  if (bytes.length !== KEY_BYTES) {
    throw keyError(
      `key "${id}" is ${bytes.length} bytes; AES-256 needs exactly 32 (generate one with: openssl rand -base64 32).`,
    )
  }
  return bytes
}

function malformed(): PosterTokenCipherError {
  return new PosterTokenCipherError(
    'POSTER_TOKEN_MALFORMED',
    'ciphertext is not of the form v1.<keyId>.<iv>.<tag>.<ciphertext>; was it produced by createTokenCipher?',
  )
}

/** Creates an AES-256-GCM cipher over a set of keys; the version and key id are authenticated too. */
export function createTokenCipher(options: TokenCipherOptions): TokenCipher {
  const keys = new Map(Object.entries(options.keys ?? {}).map(([id, key]) => [id, toKey(id, key)]))
  if (!keys.has(options.current)) {
    throw keyError(`current key ${JSON.stringify(options.current)} is not among keys; add it to keys.`)
  }

  function split(ciphertext: string) {
    const parts = typeof ciphertext === 'string' ? ciphertext.split('.') : []
    if (parts.length !== 5 || parts[0] !== VERSION || !parts.every((p) => B64URL.test(p))) throw malformed()
    const [, keyId, iv, tag, data] = parts as [string, string, string, string, string]
    const key = keys.get(keyId)
    if (!key) {
      throw new PosterTokenCipherError(
        'POSTER_TOKEN_UNKNOWN_KEY',
        `ciphertext was written with key "${keyId}", which is not configured; add it to keys until every token is rotated.`,
      )
    }
    return {
      keyId,
      key,
      iv: Buffer.from(iv, 'base64url'),
      tag: Buffer.from(tag, 'base64url'),
      data: Buffer.from(data, 'base64url'),
    }
  }

  function encrypt(plaintext: string): string {
    const key = keys.get(options.current)!
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', key, iv)
    cipher.setAAD(Buffer.from(`${VERSION}.${options.current}`))
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    const tag = cipher.getAuthTag()
    return [
      VERSION,
      options.current,
      iv.toString('base64url'),
      tag.toString('base64url'),
      data.toString('base64url'),
    ].join('.')
  }

  function decrypt(ciphertext: string): string {
    const { keyId, key, iv, tag, data } = split(ciphertext)
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw tampered()
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
      decipher.setAAD(Buffer.from(`${VERSION}.${keyId}`))
      decipher.setAuthTag(tag)
      return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8')
    } catch {
      throw tampered()
    }
  }

  return {
    encrypt,
    decrypt,
    rotate(ciphertext) {
      // Decrypting first proves the input is intact even when it already uses the current key.
      const plaintext = decrypt(ciphertext)
      return split(ciphertext).keyId === options.current ? ciphertext : encrypt(plaintext)
    },
    needsRotation: (ciphertext) => split(ciphertext).keyId !== options.current,
  }
}

function tampered(): PosterTokenCipherError {
  return new PosterTokenCipherError(
    'POSTER_TOKEN_TAMPERED',
    'ciphertext failed authentication: it was altered or written with a different key of the same id.',
  )
}

export { PosterTokenCipherError } from './errors'
