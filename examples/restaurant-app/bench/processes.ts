import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export interface Child<Ready, Stopped> {
  ready: Ready
  /** Asks the child to close cleanly and returns its last report; kills it after 15 s. */
  stop(): Promise<Stopped | undefined>
  kill(): void
  /** A message to the child (its own protocol beside ready/stop). */
  send(message: unknown): void
  /** Every message the child sends from now on. */
  onMessage(listener: (message: { type?: string } & Record<string, unknown>) => void): () => void
}

/**
 * Starts a bench/*.ts entry as its own Node process (the app's source through tsx, as
 * `pnpm start` runs it) and waits for its `ready` message.
 */
export async function startChild<Ready = { type: 'ready' }, Stopped = { type: 'stopped' }>(
  entry: string,
  env: Record<string, string>,
  options: { preload?: string } = {},
): Promise<Child<Ready, Stopped>> {
  const child: ChildProcess = fork(fileURLToPath(new URL(entry, import.meta.url)), [], {
    execArgv: [
      '--conditions=@rc/source',
      '--import',
      'tsx',
      // A module that must run before the entry's imports (the OpenTelemetry SDK).
      ...(options.preload ? ['--import', fileURLToPath(new URL(options.preload, import.meta.url))] : []),
      // BENCH_PROFILE=<dir>: a V8 CPU profile of every child, to see where a run's time goes.
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
    ],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const ready = await Promise.race([
    new Promise<Ready>((resolve) => {
      const onMessage = (message: { type?: string }) => {
        if (message?.type !== 'ready') return
        child.off('message', onMessage)
        resolve(message as Ready)
      }
      child.on('message', onMessage)
    }),
    exited.then((code) => {
      throw new Error(`${entry} exited with ${code} before it was ready`)
    }),
  ])
  return {
    ready,
    async stop() {
      if (child.exitCode !== null) return undefined
      const stopped = new Promise<Stopped | undefined>((resolve) => {
        child.on('message', (message: { type?: string }) => {
          if (message?.type === 'stopped') resolve(message as Stopped)
        })
        void exited.then(() => resolve(undefined))
      })
      child.send({ type: 'stop' })
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      const report = await stopped
      await exited
      clearTimeout(timer)
      return report
    },
    kill() {
      if (child.exitCode === null) child.kill('SIGKILL')
    },
    send(message) {
      child.send(message as never)
    },
    onMessage(listener) {
      child.on('message', listener)
      return () => child.off('message', listener)
    },
  }
}
