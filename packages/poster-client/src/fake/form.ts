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

/** The text fields of a `multipart/form-data` body (what the docs' curl example sends); files are skipped. */
export function decodeMultipart(body: string, contentType: string): Record<string, unknown> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType)
  const marker = boundary?.[1] ?? boundary?.[2]
  if (!marker) return {}
  const fields: Record<string, unknown> = {}
  for (const part of body.split(`--${marker.trim()}`)) {
    const split = part.indexOf('\r\n\r\n')
    if (split < 0) continue
    const headers = part.slice(0, split)
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(headers)?.[1]
    if (name === undefined || /filename=/i.test(headers)) continue
    fields[name] = part.slice(split + 4).replace(/\r\n$/, '')
  }
  return fields
}

/** A form body in either encoding Poster's OAuth exchange takes: urlencoded or multipart. */
export function decodeFormBody(body: string, contentType: string | undefined): Record<string, unknown> {
  return contentType?.toLowerCase().startsWith('multipart/form-data')
    ? decodeMultipart(body, contentType)
    : decodeForm(body)
}
