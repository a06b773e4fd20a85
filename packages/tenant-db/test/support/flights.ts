import type pg from 'pg'

/**
 * Counts round trips on every connection a real pg pool opens: a round trip
 * starts when the client writes after it has read something from the server
 * (pipelined messages written together count once).
 */
export function countRoundTrips(pool: pg.Pool): { trips: number } {
  const counter = { trips: 0 }
  pool.on('connect', (client) => {
    const stream = (
      client as unknown as { connection: { stream: NodeJS.WritableStream & NodeJS.EventEmitter } }
    ).connection.stream
    let readSinceWrite = true
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean
    stream.write = ((...args: unknown[]) => {
      if (readSinceWrite) counter.trips++
      readSinceWrite = false
      return write(...args)
    }) as typeof stream.write
    stream.on('data', () => {
      readSinceWrite = true
    })
  })
  return counter
}
