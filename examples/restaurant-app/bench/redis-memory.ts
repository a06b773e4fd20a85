import type { Redis } from 'ioredis'

/** What a deployment keeps in Redis, by the part of the key after `KEY_PREFIX` (see src/runtime.ts). */
export const KEY_FAMILIES = {
  cache: 'tenant reads, restaurant config, users and memberships (`:cache`)',
  sessions: 'sessions (`:auth`)',
  limits: 'plan, per-user and login limits, the Poster limiter (`:rt:`, `:rt-user:`, `:login:`, `:poster:`)',
  queue: 'BullMQ: jobs kept, deduplication, events (`:bull`)',
  other: 'anything else under the prefix',
} as const
export type KeyFamily = keyof typeof KEY_FAMILIES

export function familyOf(key: string, prefix: string): KeyFamily {
  const rest = key.slice(key.indexOf(prefix) + prefix.length)
  if (rest.startsWith(':cache')) return 'cache'
  if (rest.startsWith(':auth')) return 'sessions'
  if (/^:(rt|rt-user|login|poster):/.test(rest)) return 'limits'
  if (rest.startsWith(':bull')) return 'queue'
  return 'other'
}

export interface FamilyUsage {
  keys: number
  /** `MEMORY USAGE` of every key, summed: the value, the key and Redis' per-key overhead. */
  bytes: number
  /** The same by the key's first segments, ids replaced by `*` (`cache:tenant:*`, `rt:*:api`...). */
  parts: Record<string, { keys: number; bytes: number }>
}

/** `:cache|tenant:s00042||ingredients...` -> `cache:tenant:*`: what kind of entry, not whose. */
function partOf(key: string, prefix: string): string {
  return key
    .slice(key.indexOf(prefix) + prefix.length)
    .split(/[|:{}]+/)
    .filter(Boolean)
    .slice(0, 3)
    .map((token) => (/\d/.test(token) || token.length >= 16 ? '*' : token))
    .join(':')
}

/**
 * `MEMORY USAGE ... SAMPLES 0` (exact, nested values included) of every key carrying `prefix`, summed by
 * family. Keys are found with SCAN, so the rest of the shared Redis is neither counted nor blocked.
 */
export async function memoryByFamily(redis: Redis, prefix: string): Promise<Record<KeyFamily, FamilyUsage>> {
  const usage = Object.fromEntries(
    Object.keys(KEY_FAMILIES).map((f) => [f, { keys: 0, bytes: 0, parts: {} }]),
  ) as Record<KeyFamily, FamilyUsage>
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000)
    cursor = next
    if (keys.length === 0) continue
    const pipeline = redis.pipeline()
    for (const key of keys) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')
    const results = (await pipeline.exec()) ?? []
    for (const [index, key] of keys.entries()) {
      const bytes = Number(results[index]?.[1] ?? 0)
      const family = usage[familyOf(key, prefix)]
      family.keys++
      family.bytes += bytes
      const part = partOf(key, prefix)
      family.parts[part] ??= { keys: 0, bytes: 0 }
      family.parts[part].keys++
      family.parts[part].bytes += bytes
    }
  } while (cursor !== '0')
  return usage
}

/** Redis' own `used_memory`, for the whole server (other engineers' keys included). */
export async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory')
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0)
}
