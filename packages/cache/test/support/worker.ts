import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const script = fileURLToPath(new URL('../fixtures/cache-worker.ts', import.meta.url))

/** A cache running in another process (test/fixtures/cache-worker.ts). */
export interface CacheWorker {
  send<T = any>(op: string, args?: Record<string, unknown>): Promise<T>
  close(): Promise<void>
}

export async function startWorker(config: Record<string, unknown>): Promise<CacheWorker> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=@rc/source', '--import', 'tsx', script, JSON.stringify(config)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const pending = new Map<number, (msg: any) => void>()
  let nextId = 1
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`cache worker exited with ${code}`)))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line)
      if (msg.ready) return resolve()
      pending.get(msg.id)?.(msg)
      pending.delete(msg.id)
    })
  })
  await ready
  const worker: CacheWorker = {
    send(op, args = {}) {
      const id = nextId++
      return new Promise((resolve, reject) => {
        pending.set(id, (msg) => (msg.ok ? resolve(msg) : reject(new Error(msg.error))))
        child.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`)
      })
    },
    async close() {
      const exited = new Promise((r) => child.once('exit', r))
      await worker.send('close').catch(() => {})
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    },
  }
  return worker
}
