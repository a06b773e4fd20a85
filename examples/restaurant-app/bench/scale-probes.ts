/*
 * What the scale bench reads besides latencies: PgBouncer's pools, processes' CPU time from /proc,
 * Redis' command count, and the API instances' server times and cache events.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { Redis } from 'ioredis'
import type pg from 'pg'
import type { Child } from './processes'

/** The most PgBouncer showed for one pool while it was watched. */
export interface PoolPeak {
  maxActive: number
  /** Server connections open (active, idle, used, tested, logging in). */
  maxServers: number
  maxClientsWaiting: number
  maxWaitMs: number
}

/** Polls the admin console's SHOW POOLS for one database and user while `work` runs. */
export async function watchPool<T>(
  admin: pg.Client,
  database: string,
  user: string,
  work: Promise<T>,
): Promise<{ value: T; pool: PoolPeak }> {
  const pool: PoolPeak = { maxActive: 0, maxServers: 0, maxClientsWaiting: 0, maxWaitMs: 0 }
  let running = true
  const poll = (async () => {
    while (running) {
      const { rows } = await admin.query('SHOW POOLS')
      const row = rows.find((r) => r.database === database && r.user === user)
      if (row) {
        const n = (k: string) => Number(row[k] ?? 0)
        pool.maxActive = Math.max(pool.maxActive, n('sv_active'))
        pool.maxServers = Math.max(
          pool.maxServers,
          n('sv_active') + n('sv_idle') + n('sv_used') + n('sv_tested') + n('sv_login'),
        )
        pool.maxClientsWaiting = Math.max(pool.maxClientsWaiting, n('cl_waiting'))
        pool.maxWaitMs = Math.max(pool.maxWaitMs, n('maxwait') * 1000 + n('maxwait_us') / 1000)
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  })()
  try {
    return { value: await work, pool }
  } finally {
    running = false
    await poll
  }
}

/** Every answer's server time (ms) since the last call, from each instance (bench/server.ts 'times'). */
export async function serverTimes(
  children: Array<Child<{ type: 'ready'; url: string }, unknown>>,
): Promise<{ times: number[]; cpuMs: number }> {
  const all = await Promise.all(
    children.map(
      (child) =>
        new Promise<{ times: number[]; cpuMs: number }>((resolve) => {
          const off = child.onMessage((message) => {
            if (message.type !== 'times') return
            off()
            resolve({ times: message.times as number[], cpuMs: Number(message.cpuMs) })
          })
          child.send({ type: 'times' })
        }),
    ),
  )
  return {
    times: all.flatMap((a) => a.times).sort((x, y) => x - y),
    cpuMs: all.reduce((t, a) => t + a.cpuMs, 0),
  }
}

/** User + system CPU time of a process from /proc, in ms (Linux; 0 when it is gone). */
export function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS
  } catch {
    return 0
  }
}
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100

/** CPU ms of PgBouncer and of the PostgreSQL backends it holds for the bench's database. */
export async function databaseCpu(
  admin: pg.Client,
  bouncerPid: number,
  database: string,
): Promise<Map<number, number>> {
  const { rows } = await admin.query('SHOW SERVERS')
  const pids = rows.filter((r) => r.database === database).map((r) => Number(r.remote_pid))
  return new Map([bouncerPid, ...pids].map((pid) => [pid, processCpuMs(pid)]))
}

export async function commandsProcessed(redis: Redis): Promise<number> {
  return Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0)
}

/** The instances' cache_events_total by event (hit, miss, load...), summed, from their /metrics. */
export async function cacheEvents(urls: string[], opsToken: string): Promise<Record<string, number>> {
  const total: Record<string, number> = {}
  for (const url of urls) {
    const text = await (
      await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${opsToken}` } })
    ).text()
    for (const m of text.matchAll(/^cache_events_total\{event="([^"]+)"\} (\d+)/gm))
      total[m[1]!] = (total[m[1]!] ?? 0) + Number(m[2])
  }
  return total
}
