import { connect, createServer, type Socket } from 'node:net'

/** A loopback TCP proxy whose link can be cut (connections refused) and restored, while the server behind keeps its data. */
export interface TcpProxy {
  readonly port: number
  cut(): Promise<void>
  restore(): Promise<void>
  close(): Promise<void>
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1')
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream)
    upstream.pipe(client)
  })
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  await listen(0)
  const port = (server.address() as { port: number }).port
  const cut = async () => {
    const closed = new Promise((r) => server.close(r))
    for (const s of sockets) s.destroy()
    await closed
  }
  return { port, cut, restore: () => listen(port), close: cut }
}
