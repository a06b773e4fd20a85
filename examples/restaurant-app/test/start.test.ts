import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

// The README's first command, `pnpm start`, with no DATABASE_URL / REDIS_URL: the embedded mode.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
let child: ChildProcess | undefined
// The embedded data of this test only, not the app's default .data.
const dataDir = mkdtempSync(join(tmpdir(), 'rc-app-start-'))

afterAll(() => {
  if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

function start(): Promise<{ url: string; output: () => string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOG_LEVEL: 'warn', DATA_DIR: dataDir }
  delete env.DATABASE_URL
  delete env.REDIS_URL
  // Under `pnpm test`, npm_execpath is pnpm itself: run exactly `pnpm start` from the repository root.
  const pnpm = process.env.npm_execpath
  const [command, args] =
    pnpm && /pnpm/.test(pnpm)
      ? [process.execPath, [pnpm, 'start']]
      : [process.execPath, ['--conditions=@rc/source', '--import', 'tsx', 'src/main.ts']]
  child = spawn(command, args, {
    cwd: pnpm && /pnpm/.test(pnpm) ? ROOT : fileURLToPath(new URL('..', import.meta.url)),
    env,
    detached: true, // its own process group, so the whole tree stops with it
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 90 s:\n${output}`)), 90_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve({ url: match[1] as string, output: () => output })
      }
    }
    child?.stdout?.on('data', onData)
    child?.stderr?.on('data', onData)
    child?.on('exit', (code) => reject(new Error(`exited with ${code} before listening:\n${output}`)))
  })
}

/** The process running src/main.ts in the child's process group (pnpm may stand between). */
function appPid(group: number): number {
  const pids = execFileSync('ps', ['-o', 'pid=', '-g', String(group)], { encoding: 'utf8' })
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((pid) => pid > 0)
  const app = pids.find((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
      return /node$/.test(argv[0] ?? '') && argv.includes('src/main.ts') // not the `sh -c` pnpm runs it through
    } catch {
      return false
    }
  })
  if (!app) throw new Error(`no src/main.ts process in group ${group}`)
  return app
}

describe('pnpm start (embedded defaults)', () => {
  it('serves /health with 200, prints a demo login that works, and syncs the 3 demo restaurants', async () => {
    const { url, output } = await start()
    expect(output()).toMatch(/demo login: admin@example\.com \/ \S+/)
    const health = await fetch(`${url}/health`)
    expect(health.status).toBe(200)

    const password = /admin@example\.com \/ (\S+)/.exec(output())?.[1] as string
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.com', password }),
    })
    expect(login.status).toBe(200)
    const { token } = (await login.json()) as { token: string }
    const deadline = Date.now() + 30_000
    let statuses: string[] = []
    while (Date.now() < deadline) {
      const list = await fetch(`${url}/api/admin/restaurants`, {
        headers: { authorization: `Bearer ${token}` },
      })
      statuses = ((await list.json()) as { items: Array<{ status: string }> }).items.map((r) => r.status)
      if (statuses.length === 3 && statuses.every((s) => s === 'ok')) break
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    expect(statuses).toEqual(['ok', 'ok', 'ok'])
    const ready = await fetch(`${url}/ready`)
    expect(await ready.json()).toMatchObject({ status: 'ready' })

    // A clean stop on SIGTERM, sent to the app itself (as a process manager would), not to pnpm around it.
    const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)))
    process.kill(appPid(child?.pid as number), 'SIGTERM')
    expect(await exited).toBe(0)
  }, 150_000)
})
