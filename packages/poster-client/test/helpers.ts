import { inspect } from 'node:util'

/** Largest number of timestamps (ms) that fall in any window of `windowMs`. */
export function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let max = 0
  let start = 0
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++
    max = Math.max(max, end - start + 1)
  }
  return max
}

/** Everything an error exposes: message, stack, own properties and causes, serialized every way we know. */
export function exposed(error: unknown): string {
  const parts = [inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error)]
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    parts.push(e.message, e.stack ?? '', JSON.stringify(Object.getOwnPropertyDescriptors(e)))
  }
  return parts.join('\n')
}

/** The rejection of a promise (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected the promise to reject')
}

/** A server that answers every request with `body` exactly as given (a Poster sample, byte for byte). */
export async function serveVerbatim(
  body: string,
  status = 200,
): Promise<{
  url: string
  requests: Array<{ method: string; url: string; body: string; contentType?: string }>
  close(): Promise<void>
}> {
  const { createServer } = await import('node:http')
  const requests: Array<{ method: string; url: string; body: string; contentType?: string }> = []
  const server = createServer((req, res) => {
    let text = ''
    req.on('data', (chunk) => {
      text += chunk
    })
    req.on('end', () => {
      requests.push({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        body: text,
        ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
      })
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
      res.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as import('node:net').AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
