import { CacheError } from './errors'
import type { Serializer } from './types'

/** A decoded stored value. `tags` pairs each tag key with its version at write time. */
export interface Entry {
  value: unknown
  /** Logical expiry in epoch ms (0: never). Past it the entry is stale until the store drops it. */
  expiresAt: number
  /** Epoch ms when the store drops the entry, grace included (0: never). */
  staleUntil: number
  /** Epoch ms of the write; 0 when the entry does not say (format r1). Refresh-ahead needs it. */
  writtenAt: number
  tags: [tagKey: string, version: number][] | undefined
}

// Envelopes:
//   r1:<expiresAt>:<staleUntil>:<tags JSON length>:<tags JSON><payload>
//   r2:<expiresAt>:<staleUntil>:<writtenAt>:<tags JSON length>:<tags JSON><payload>
// r2 is written only when refresh-ahead needs the write time, so 0.1 readers
// (which know r1 only) keep reading every other entry during a rolling deploy.
// The header is parsed by hand so a JSON payload is parsed exactly once.
const R1 = 'r1:'
const R2 = 'r2:'

export function encodeEntry(
  payload: string,
  expiresAt: number,
  staleUntil: number,
  tags: Entry['tags'],
  writtenAt = 0,
): string {
  const tagsJson = tags && tags.length > 0 ? JSON.stringify(tags) : ''
  expiresAt = Math.ceil(expiresAt)
  staleUntil = Math.ceil(staleUntil)
  writtenAt = Math.floor(writtenAt)
  return writtenAt === 0
    ? `${R1}${expiresAt}:${staleUntil}:${tagsJson.length}:${tagsJson}${payload}`
    : `${R2}${expiresAt}:${staleUntil}:${writtenAt}:${tagsJson.length}:${tagsJson}${payload}`
}

function corrupt(detail: string): CacheError {
  return new CacheError('CACHE_CORRUPT', `${detail}; the entry is treated as a miss.`)
}

interface Header {
  expiresAt: number
  staleUntil: number
  writtenAt: number
  /** Index of the ':' that ends the two times (the rest of the header follows). */
  timesEnd: number
  /** Where the tags JSON starts, and its length; the payload follows it. */
  tagsAt: number
  tagsLength: number
}

// Filled by readHeader: decoding is synchronous, so one object serves every
// call and a hot read allocates nothing for its header.
const header: Header = { expiresAt: 0, staleUntil: 0, writtenAt: 0, timesEnd: 0, tagsAt: 0, tagsLength: 0 }

/** The non-negative integer in `raw` from `from` up to the next ':' (its index in `header.end`), or NaN. */
function intField(raw: string, from: number): number {
  let value = 0
  let i = from
  for (; i < raw.length; i++) {
    const c = raw.charCodeAt(i)
    if (c === 58 /* ':' */) break
    if (c < 48 || c > 57) return slowField(raw, from)
    value = value * 10 + (c - 48)
  }
  if (i === from || i === raw.length) return Number.NaN
  fieldEnd = i
  return value
}
let fieldEnd = 0

/** A field that is not plain digits (a fractional time an older writer left): Number() decides. */
function slowField(raw: string, from: number): number {
  const end = raw.indexOf(':', from)
  if (end < 0) return Number.NaN
  fieldEnd = end
  const value = Number(raw.slice(from, end))
  return Number.isFinite(value) && value >= 0 ? value : Number.NaN
}

function readHeader(raw: string): Header {
  const v2 = raw.startsWith(R2)
  if (!v2 && !raw.startsWith(R1)) throw corrupt('not an @rc/cache entry')
  // Digits parsed in place: no substring per field on the hot path.
  header.expiresAt = intField(raw, R1.length)
  header.staleUntil = intField(raw, fieldEnd + 1)
  header.timesEnd = fieldEnd
  header.writtenAt = v2 ? intField(raw, fieldEnd + 1) : 0
  header.tagsLength = intField(raw, fieldEnd + 1)
  header.tagsAt = fieldEnd + 1
  if (
    Number.isNaN(header.expiresAt) ||
    Number.isNaN(header.staleUntil) ||
    Number.isNaN(header.writtenAt) ||
    Number.isNaN(header.tagsLength)
  ) {
    throw corrupt('malformed entry header')
  }
  return header
}

/** An entry's times, without parsing its payload. */
export function entryTimes(raw: string): { expiresAt: number; staleUntil: number } {
  const { expiresAt, staleUntil } = readHeader(raw)
  return { expiresAt, staleUntil }
}

/** The same entry with other times (soft expiry); the payload is copied, not parsed. */
export function withTimes(raw: string, expiresAt: number, staleUntil: number): string {
  const { timesEnd } = readHeader(raw)
  return `${raw.slice(0, R1.length)}${expiresAt}:${staleUntil}${raw.slice(timesEnd)}`
}

/** Decodes an envelope; throws on anything that is not one (callers treat that as a miss). */
export function decodeEntry(raw: string, serializer: Serializer): Entry {
  const { expiresAt, staleUntil, writtenAt, tagsAt, tagsLength } = readHeader(raw)
  const tags =
    tagsLength > 0 ? (JSON.parse(raw.slice(tagsAt, tagsAt + tagsLength)) as Entry['tags']) : undefined
  if (tags !== undefined && !Array.isArray(tags)) throw corrupt('malformed entry tags')
  return {
    value: serializer.deserialize(raw.slice(tagsAt + tagsLength)),
    expiresAt,
    staleUntil,
    writtenAt,
    tags,
  }
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
