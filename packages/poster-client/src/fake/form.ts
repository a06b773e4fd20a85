/** Decodes a PHP-style form body (`supply[date]=..&ingredient[0][id]=..`) into nested objects and arrays. */
export function decodeForm(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {}
  for (const [name, value] of new URLSearchParams(body)) {
    const path = name.replace(/\]/g, '').split('[')
    let node: Record<string, unknown> = root
    for (const [index, segment] of path.entries()) {
      const key = segment === '' ? String(Object.keys(node).length) : segment
      if (index === path.length - 1) node[key] = value
      else {
        if (typeof node[key] !== 'object' || node[key] === null) node[key] = {}
        node = node[key] as Record<string, unknown>
      }
    }
  }
  return arraysFromIndexes(root) as Record<string, unknown>
}

function arraysFromIndexes(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  const entries = Object.entries(value).map(([k, v]) => [k, arraysFromIndexes(v)] as const)
  const indexed = entries.length > 0 && entries.every(([k], i) => k === String(i))
  return indexed ? entries.map(([, v]) => v) : Object.fromEntries(entries)
}
