import { connect } from 'node:net'

/** What a Redis server executed, as MONITOR reports it. */
export interface RedisMonitor {
  /** Each command with its arguments, lower-cased name first, in the order the server ran them. */
  readonly commands: string[][]
  /** Resolves once MONITOR reports `predicate` true for a command seen so far, or after `timeoutMs`. */
  waitFor(predicate: (command: string[]) => boolean, timeoutMs?: number): Promise<boolean>
  stop(): void
}

/**
 * MONITOR on its own raw connection. ioredis's `monitor()` can fail with "Command queue state
 * error" when a busy server's first monitor line arrives in the same chunk as the OK; reading the
 * inline replies here has no such state to lose.
 */
export function monitorRedis(url: string): Promise<RedisMonitor> {
  const { hostname, port } = new URL(url)
  const commands: string[][] = []
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    let buffered = ''
    let ready = false
    socket.setEncoding('utf8')
    socket.once('error', reject)
    socket.on('data', (chunk: string) => {
      buffered += chunk
      for (let end = buffered.indexOf('\r\n'); end >= 0; end = buffered.indexOf('\r\n')) {
        const line = buffered.slice(0, end)
        buffered = buffered.slice(end + 2)
        if (!ready) {
          if (line !== '+OK') return reject(new Error(`MONITOR answered ${line}`))
          ready = true
          socket.off('error', reject)
          socket.on('error', () => {})
          resolve({
            commands,
            async waitFor(predicate, timeoutMs = 5_000) {
              for (const started = Date.now(); Date.now() - started < timeoutMs; ) {
                if (commands.some(predicate)) return true
                await new Promise((r) => setTimeout(r, 10))
              }
              return commands.some(predicate)
            },
            stop: () => socket.destroy(),
          })
          continue
        }
        const parsed = parseMonitorLine(line)
        if (parsed) commands.push(parsed)
      }
    })
    socket.write('MONITOR\r\n')
  })
}

/** `+1700000000.123 [0 127.0.0.1:5000] "set" "k" "v"` → `['set', 'k', 'v']`. */
function parseMonitorLine(line: string): string[] | undefined {
  const start = line.indexOf('] "')
  if (!line.startsWith('+') || start < 0) return undefined
  const args: string[] = []
  let i = start + 2
  while (i < line.length) {
    if (line[i] !== '"') {
      i++
      continue
    }
    let value = ''
    for (i++; i < line.length && line[i] !== '"'; i++) {
      if (line[i] !== '\\') {
        value += line[i]
        continue
      }
      const next = line[++i]
      if (next === 'x') {
        value += String.fromCharCode(Number.parseInt(line.slice(i + 1, i + 3), 16))
        i += 2
      } else value += next === 'n' ? '\n' : next === 'r' ? '\r' : next === 't' ? '\t' : (next ?? '')
    }
    args.push(value)
    i++
  }
  if (args[0] !== undefined) args[0] = args[0].toLowerCase()
  return args
}
