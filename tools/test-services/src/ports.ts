import { createServer } from 'node:net'

function probe(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(undefined))
    server.listen(port, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined))
    })
  })
}

/**
 * A free loopback port. With `busOffset` (Redis Cluster uses port + 10000 for
 * its bus), that port must be free as well.
 */
export async function freePort(busOffset?: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    // Cluster ports need room for +10000 under 65535.
    const candidate = busOffset ? 20000 + Math.floor(Math.random() * 30000) : 0
    const port = await probe(candidate)
    if (port === undefined) continue
    if (busOffset && (await probe(port + busOffset)) === undefined) continue
    return port
  }
  throw new Error('no free loopback port found')
}
