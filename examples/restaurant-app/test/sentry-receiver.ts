import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync, inflateSync } from 'node:zlib'

/** One item of an envelope: its header (`type`, `length`...) and its payload, parsed when JSON. */
export interface EnvelopeItem {
  header: Record<string, unknown>
  payload: unknown
}

/** One envelope as Sentry's ingest receives it: POST /api/<project>/envelope/. */
export interface Envelope {
  project: string
  /** The `sentry_key` the SDK authenticated with (from `X-Sentry-Auth` or the query). */
  publicKey: string | undefined
  header: Record<string, unknown>
  items: EnvelopeItem[]
  /** The decompressed body as text: what a leak check searches. */
  raw: string
}

export interface SentryReceiver {
  /** A DSN pointing at this receiver, project 1. */
  dsn: string
  envelopes: Envelope[]
  /** Error events (items of type `event`) received so far. */
  events(): Array<Record<string, unknown> & { envelope: Envelope }>
  /** Every request the receiver saw, envelope or not. */
  requests: number
  waitFor<T>(find: () => T | undefined, timeoutMs?: number): Promise<T>
  close(): Promise<void>
}

/**
 * A Sentry-protocol receiver on 127.0.0.1: accepts envelopes (plain, gzip or deflate), parses them
 * (newline-separated JSON: envelope header, then item header and payload pairs, a payload's size
 * given by its header's `length` or running to the next newline) and keeps them for the test.
 */
export async function startSentryReceiver(): Promise<SentryReceiver> {
  const envelopes: Envelope[] = []
  let requests = 0
  const server = createServer((request, response) => {
    requests++
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const match = /^\/api\/([^/]+)\/envelope\/?(\?.*)?$/.exec(request.url ?? '')
      if (request.method !== 'POST' || !match) {
        response.writeHead(404).end()
        return
      }
      let body = Buffer.concat(chunks)
      const encoding = request.headers['content-encoding']
      if (encoding === 'gzip') body = gunzipSync(body)
      else if (encoding === 'deflate') body = inflateSync(body)
      const auth = String(request.headers['x-sentry-auth'] ?? '') + (match[2] ?? '')
      envelopes.push({
        project: match[1] as string,
        publicKey: /sentry_key=([^,&\s]+)/.exec(auth)?.[1],
        ...parseEnvelope(body),
        raw: body.toString('utf8'),
      })
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const events = () =>
    envelopes.flatMap((envelope) =>
      envelope.items
        .filter((item) => item.header.type === 'event')
        .map((item) => ({ ...(item.payload as Record<string, unknown>), envelope })),
    )
  return {
    dsn: `http://publickey@127.0.0.1:${port}/1`,
    envelopes,
    events,
    get requests() {
      return requests
    },
    async waitFor(find, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const found = find()
        if (found !== undefined) return found
        if (Date.now() > deadline) throw new Error(`nothing matching within ${timeoutMs} ms`)
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export function parseEnvelope(body: Buffer): Pick<Envelope, 'header' | 'items'> {
  let offset = 0
  const line = (): Buffer | undefined => {
    if (offset >= body.length) return undefined
    const end = body.indexOf(0x0a, offset)
    const slice = body.subarray(offset, end === -1 ? body.length : end)
    offset = end === -1 ? body.length : end + 1
    return slice
  }
  const header = JSON.parse((line() as Buffer).toString('utf8'))
  const items: EnvelopeItem[] = []
  for (let next = line(); next !== undefined; next = line()) {
    if (next.length === 0) continue
    const itemHeader = JSON.parse(next.toString('utf8')) as Record<string, unknown>
    let payload: Buffer
    if (typeof itemHeader.length === 'number') {
      payload = body.subarray(offset, offset + itemHeader.length)
      offset += itemHeader.length + 1
    } else {
      payload = line() ?? Buffer.alloc(0)
    }
    const text = payload.toString('utf8')
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text)
    } catch {
      // an attachment or another non-JSON payload: kept as text
    }
    items.push({ header: itemHeader, payload: parsed })
  }
  return { header, items }
}
