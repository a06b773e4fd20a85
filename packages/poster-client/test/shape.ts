/**
 * The shape of JSON values, merged over many examples: for each key, the JSON types seen and whether
 * every object had it. Objects keyed only by numbers (PHP arrays keyed by spot id) are maps.
 */
type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'map'

export interface Shape {
  types: Set<JsonType>
  objects: number
  fields: Map<string, { count: number; shape: Shape }>
  items?: Shape
  values?: Shape
}

const emptyShape = (): Shape => ({ types: new Set(), objects: 0, fields: new Map() })

function typeOf(value: unknown): JsonType {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'object') {
    const keys = Object.keys(value as object)
    return keys.length > 0 && keys.every((k) => /^\d+$/.test(k)) ? 'map' : 'object'
  }
  return typeof value as JsonType
}

function add(shape: Shape, value: unknown): void {
  const type = typeOf(value)
  shape.types.add(type)
  if (type === 'array') {
    shape.items ??= emptyShape()
    for (const item of value as unknown[]) add(shape.items, item)
  } else if (type === 'map') {
    shape.values ??= emptyShape()
    for (const item of Object.values(value as object)) add(shape.values, item)
  } else if (type === 'object') {
    shape.objects++
    for (const [key, item] of Object.entries(value as object)) {
      const field = shape.fields.get(key) ?? { count: 0, shape: emptyShape() }
      field.count++
      add(field.shape, item)
      shape.fields.set(key, field)
    }
  }
}

export function shapeOf(values: unknown[]): Shape {
  const shape = emptyShape()
  for (const value of values) add(shape, value)
  return shape
}

const list = (types: Set<JsonType>) => [...types].sort().join('|')

/** Every way `actual` differs from `expected`: types, keys, and keys always vs sometimes present. */
export function shapeDifferences(expected: Shape, actual: Shape, path = '$'): string[] {
  const out: string[] = []
  if (list(expected.types) !== list(actual.types)) {
    out.push(`${path}: the sample sends ${list(expected.types)}, the fake ${list(actual.types)}`)
  }
  // An empty list or map would hide every field inside it: the fake must show items wherever the sample does.
  if (expected.items && !actual.items && actual.types.has('array'))
    out.push(`${path}: the fake sends only empty lists`)
  if (expected.items && actual.items) out.push(...shapeDifferences(expected.items, actual.items, `${path}[]`))
  if (expected.values && actual.values)
    out.push(...shapeDifferences(expected.values, actual.values, `${path}{}`))
  if (expected.objects > 0 && actual.objects > 0) {
    for (const [key, field] of expected.fields) {
      const other = actual.fields.get(key)
      if (!other) {
        out.push(`${path}.${key}: in the sample, never sent by the fake`)
        continue
      }
      const always = field.count === expected.objects
      const fakeAlways = other.count === actual.objects
      if (always !== fakeAlways) {
        out.push(
          `${path}.${key}: the sample has it ${always ? 'always' : 'sometimes'}, the fake ${fakeAlways ? 'always' : 'sometimes'}`,
        )
      }
      out.push(...shapeDifferences(field.shape, other.shape, `${path}.${key}`))
    }
    for (const key of actual.fields.keys()) {
      if (!expected.fields.has(key)) out.push(`${path}.${key}: sent by the fake, not in the sample`)
    }
  }
  return out
}
