import { CacheError } from './errors'
import type { Serializer } from './types'

/** A decoded stored value. `tags` pairs each tag key with its version at write time. */
export interface Entry {
  value: unknown
  /** Logical expiry in epoch ms (0: never). Past it the entry is stale until the store drops it. */
  expiresAt: number
  /** Epoch ms when the store drops the entry, grace included (0: never). */
  staleUntil: number
  tags: [tagKey: string, version: number][] | undefined
}

// Envelope: `r1:<expiresAt>:<staleUntil>:<tags JSON length>:<tags JSON><payload>`.
// The header is parsed by hand so a JSON payload is parsed exactly once.
const MAGIC = 'r1:'

export function encodeEntry(
  payload: string,
  expiresAt: number,
  staleUntil: number,
  tags: Entry['tags'],
): string {
  const tagsJson = tags && tags.length > 0 ? JSON.stringify(tags) : ''
  return `${MAGIC}${expiresAt}:${staleUntil}:${tagsJson.length}:${tagsJson}${payload}`
}

/** Decodes an envelope; throws on anything that is not one (callers treat that as a miss). */
export function decodeEntry(raw: string, serializer: Serializer): Entry {
  if (!raw.startsWith(MAGIC)) throw new Error('not an @rc/cache entry')
  const a = raw.indexOf(':', MAGIC.length)
  const b = raw.indexOf(':', a + 1)
  const c = raw.indexOf(':', b + 1)
  if (a < 0 || b < 0 || c < 0) throw new Error('truncated entry header')
  const expiresAt = Number(raw.slice(MAGIC.length, a))
  const staleUntil = Number(raw.slice(a + 1, b))
  const tagsLength = Number(raw.slice(b + 1, c))
  if (
    !Number.isFinite(expiresAt) ||
    !Number.isFinite(staleUntil) ||
    !Number.isInteger(tagsLength) ||
    tagsLength < 0
  ) {
    throw new Error('malformed entry header')
  }
  const tags =
    tagsLength > 0 ? (JSON.parse(raw.slice(c + 1, c + 1 + tagsLength)) as Entry['tags']) : undefined
  if (tags !== undefined && !Array.isArray(tags)) throw new Error('malformed entry tags')
  return { value: serializer.deserialize(raw.slice(c + 1 + tagsLength)), expiresAt, staleUntil, tags }
}

export const jsonSerializer: Serializer = {
  serialize(value) {
    return JSON.stringify(value)
  },
  deserialize(text) {
    return JSON.parse(text)
  },
}

/** Serializes or throws a typed error saying why the value cannot be stored. */
export function serializeValue(serializer: Serializer, key: string, value: unknown): string {
  if (value === undefined) {
    throw new CacheError(
      'CACHE_INVALID_ARGUMENT',
      `cannot store undefined under "${key}": undefined means a miss; store null instead.`,
      { key },
    )
  }
  let text: unknown
  try {
    text = serializer.serialize(value)
  } catch (cause) {
    throw new CacheError(
      'CACHE_SERIALIZATION',
      `the value for "${key}" cannot be serialized (${(cause as Error).message}); store plain data or pass a serializer.`,
      { key, cause },
    )
  }
  if (typeof text !== 'string') {
    throw new CacheError(
      'CACHE_SERIALIZATION',
      `the value for "${key}" is not serializable (a ${typeof value}); store plain data or pass a serializer.`,
      { key },
    )
  }
  return text
}
