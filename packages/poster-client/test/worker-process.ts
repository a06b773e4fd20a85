import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const packageDir = fileURLToPath(new URL('..', import.meta.url))

/**
 * Starts `script` (a file under test/fixtures) as a child process with the package's sources.
 * The child says 'ready' once set up and `{ done: true, ... }` when finished; `children` holds it
 * until it exits, so an afterAll can kill what is left.
 */
export function startWorker<M extends { done?: boolean }>(
  script: string,
  env: NodeJS.ProcessEnv,
  children: Set<ChildProcess>,
): { child: ChildProcess; ready: Promise<void>; done: Promise<M> } {
  const child = spawn(
    process.execPath,
    ['--conditions=@rc/source', '--import', 'tsx', `test/fixtures/${script}`],
    {
      cwd: packageDir,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...env },
    },
  )
  children.add(child)
  child.once('exit', () => children.delete(child))
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (m) => m === 'ready' && resolve())
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)))
  })
  const done = new Promise<M>((resolve, reject) => {
    child.on('message', (m: M) => m.done && resolve(m))
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it finished`)))
  })
  return { child, ready, done }
}
