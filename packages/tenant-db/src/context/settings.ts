import type { z } from 'zod'
import { TenantDbArgumentError } from '../errors'
import { quoteLiteral, settingName } from '../sql'
import { defaultTenantIdSchema, parseTenantId } from '../tenant-id'

/** The values of one tenant context: `tenant` always, the other configured settings optionally. */
export type TenantValues<K extends string = 'tenant'> = { tenant: string } & {
  [P in Exclude<K, 'tenant'>]?: string
}

/** A tenant id, or the values of every configured setting. */
export type TenantInput<K extends string = 'tenant'> = string | TenantValues<K>

/** Validated settings of one TenantDb: setting names and schemas by logical key. */
export interface Settings {
  readonly keys: readonly string[]
  readonly names: Readonly<Record<string, string>>
  /** Turns a caller's input into one validated value per key ('' for an optional one not given). */
  resolve(input: unknown): Record<string, string>
  /** The values a frame carries, as this TenantDb sees them (its keys only, '' where absent). */
  fromFrame(values: Readonly<Record<string, string>>): Record<string, string>
  /** `BEGIN; SET LOCAL ...` for every key, one simple-query message. */
  beginSql(values: Record<string, string>, begin?: string): string
  /** `SELECT set_config($1, $2, true), ...` and its parameters: names and values bound, never spliced. */
  setConfig(values: Record<string, string>): { text: string; values: string[] }
  same(a: Record<string, string>, b: Record<string, string>): boolean
}

export function createSettings(
  settings: Record<string, string>,
  schemas: Partial<Record<string, z.ZodType<string>>>,
): Settings {
  if (typeof settings.tenant !== 'string') {
    throw new TenantDbArgumentError('settings needs a `tenant` entry, e.g. { tenant: "app.current_tenant" }.')
  }
  const keys = ['tenant', ...Object.keys(settings).filter((k) => k !== 'tenant')]
  const names: Record<string, string> = {}
  for (const key of keys) names[key] = settingName(settings[key]!)
  if (new Set(Object.values(names)).size !== keys.length) {
    throw new TenantDbArgumentError('two settings use the same setting name; give each its own.')
  }
  for (const key of Object.keys(schemas)) {
    if (!(key in names)) throw new TenantDbArgumentError(`schemas.${key} has no entry in settings.`)
  }
  const schemaOf = (key: string) => schemas[key] ?? defaultTenantIdSchema
  const setConfigText = `SELECT ${keys.map((_, i) => `pg_catalog.set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(', ')}`

  return {
    keys,
    names,
    resolve(input) {
      if (typeof input === 'string' || typeof input !== 'object' || input === null) {
        return { ...blank(), tenant: parseTenantId(schemaOf('tenant'), input) }
      }
      const given = input as Record<string, unknown>
      for (const key of Object.keys(given)) {
        if (!(key in names)) {
          throw new TenantDbArgumentError(
            `"${key}" is not a configured setting (${keys.join(', ')}); add it to createTenantDb's settings.`,
          )
        }
      }
      const out = blank()
      for (const key of keys) {
        const value = given[key]
        if (key !== 'tenant' && (value === undefined || value === '')) continue
        out[key] = parseTenantId(schemaOf(key), value, key)
      }
      return out
    },
    fromFrame(values) {
      const out = blank()
      for (const key of keys) out[key] = values[key] ?? ''
      return out
    },
    beginSql(values, begin = 'BEGIN') {
      return [begin, ...keys.map((k) => `SET LOCAL ${names[k]} = ${quoteLiteral(values[k] ?? '')}`)].join(
        '; ',
      )
    },
    setConfig(values) {
      return { text: setConfigText, values: keys.flatMap((k) => [names[k]!, values[k] ?? '']) }
    },
    same(a, b) {
      return keys.every((k) => (a[k] ?? '') === (b[k] ?? ''))
    },
  }

  function blank(): Record<string, string> {
    return Object.fromEntries(keys.map((k) => [k, '']))
  }
}
