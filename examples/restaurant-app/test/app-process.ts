import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const APP = fileURLToPath(new URL('..', import.meta.url))

export interface AppProcess {
  url: string
  output(): string
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>
  kill(): void
}

/**
 * src/main.ts in a process of its own with no DATABASE_URL / REDIS_URL (embedded), on a free port.
 * `nodeArgs` go before the entry (`['--import', './src/telemetry/preload.ts']`, as `pnpm start` has).
 */
export function startEmbedded(env: Record<string, string>, nodeArgs: string[] = []): Promise<AppProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env }
  delete childEnv.DATABASE_URL
  delete childEnv.REDIS_URL
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=@rc/source', '--import', 'tsx', ...nodeArgs, 'src/main.ts'],
    {
      cwd: APP,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 90 s:\n${output}`)), 90_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(output)
      if (!match) return
      clearTimeout(timer)
      resolve({
        url: match[1] as string,
        output: () => output,
        async stop() {
          child.kill('SIGTERM')
          return exited
        },
        kill: () => child.kill('SIGKILL'),
      })
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.on('exit', (code) => reject(new Error(`exited with ${code} before listening:\n${output}`)))
  })
}
