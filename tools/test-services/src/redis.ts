import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './ports'

const run = promisify(execFile)
const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

export interface RedisServerOptions {
  port?: number
  /** Extra `redis-server` arguments, e.g. `['--cluster-enabled', 'yes']`. */
  args?: string[]
  /**
   * Contents of a config file, written once into the node's directory and passed before the
   * arguments. Sentinel needs one: it rewrites its own config file to persist what it learns.
   */
  config?: string
}

/** A redis-server child process on loopback that a test may stop, freeze and restart. */
export interface RedisServer {
  readonly host: '127.0.0.1'
  readonly port: number
  readonly url: string
  readonly dir: string
  /** The server's log (`<dir>/redis.log`), for diagnosing a test that timed out. */
  readonly logFile: string
  /** `redis-cli` against this node. */
  cli(...args: string[]): Promise<string>
  /** SIGSTOP: the socket stays open but nothing answers (worse than a refused connection). */
  pause(): void
  /** SIGCONT after `pause`. */
  resume(): void
  /** Kill the process; the port then refuses connections. */
  stop(): Promise<void>
  /** Start again on the same port (after `stop`). */
  start(): Promise<void>
  /** Stop and remove the data directory. */
  destroy(): Promise<void>
}

/**
 * `redis-cli` against a loopback port. With `timeoutMs` the call fails instead of waiting forever
 * on a node that accepts connections but never answers (SIGSTOP).
 */
export async function redisCli(port: number, args: string[], timeoutMs?: number): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    timeout: timeoutMs ?? 0,
  })
  return stdout.trim()
}

/** `redis-cli --json` (RESP3, so Sentinel's and CLUSTER's maps arrive as objects). */
export async function redisJson<T = unknown>(port: number, args: string[], timeoutMs?: number): Promise<T> {
  return JSON.parse(await redisCli(port, ['--json', ...args], timeoutMs)) as T
}

async function waitForPing(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      if ((await redisCli(port, ['PING'], 2_000)) === 'PONG') return
    } catch {}
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

// setpriv (util-linux) execs the server in place (same pid, so SIGSTOP still reaches it) with
// PR_SET_PDEATHSIG: a test process killed with SIGKILL, whose exit handlers never run, takes its
// servers with it instead of leaving them listening. Without setpriv, they are plain children.
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path))
function withParentDeathSignal(command: string, args: string[]): [string, string[]] {
  return SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', command, ...args]] : [command, args]
}

export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const clustered = options.args?.includes('--cluster-enabled') ?? false
  const port = options.port ?? (await freePort(clustered ? 10000 : undefined))
  const dir = mkdtempSync(join(tmpdir(), `rc-redis-${port}-`))
  const logFile = join(dir, 'redis.log')
  const configFile = join(dir, 'redis.conf')
  if (options.config !== undefined) writeFileSync(configFile, options.config)
  let child: ChildProcess | undefined

  async function start(): Promise<void> {
    const proc = spawn(
      ...withParentDeathSignal('redis-server', [
        // redis-server reads a config file only as its first argument.
        ...(options.config !== undefined ? [configFile] : []),
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--logfile',
        logFile,
        ...(options.args ?? []),
      ]),
      { stdio: 'ignore' },
    )
    live.add(proc)
    proc.once('exit', () => live.delete(proc))
    child = proc
    await waitForPing(port)
  }

  async function stop(): Promise<void> {
    const proc = child
    child = undefined
    if (!proc || proc.exitCode !== null) return
    const exited = new Promise((r) => proc.once('exit', r))
    proc.kill('SIGCONT')
    proc.kill('SIGKILL')
    await exited
  }

  await start()
  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    logFile,
    cli: (...args) => redisCli(port, args),
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    stop,
    start,
    async destroy() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
