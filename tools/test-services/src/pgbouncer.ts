import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './ports'

/** A PgBouncer in transaction pooling mode in front of the machine's PostgreSQL. */
export interface PgBouncer {
  readonly port: number
  readonly dir: string
  stop(): Promise<void>
}

const PGBOUNCER = '/usr/sbin/pgbouncer'

export interface PgBouncerOptions {
  /** The PostgreSQL server to pool (any database on it: the ini maps `*`). */
  target: string
  /** Logins PgBouncer accepts (trust auth lists them); the first is also its admin (`SHOW POOLS`...). */
  users: string[]
  /** Server connections per database and user (`default_pool_size`). Default 4. */
  poolSize?: number
  /** Client connections accepted in all (`max_client_conn`). Default 200. */
  maxClients?: number
}

/**
 * Starts PgBouncer on a free loopback port with a generated ini; `users` must be listed for trust auth.
 * Its admin console is the `pgbouncer` database, as `users[0]`.
 */
export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  const target = new URL(options.target)
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'rc-pgbouncer-'))
  writeFileSync(join(dir, 'users.txt'), options.users.map((u) => `"${u}" ""`).join('\n'))
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    `[databases]
* = host=${target.hostname} port=${target.port || 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = trust
auth_file = ${join(dir, 'users.txt')}
pool_mode = transaction
default_pool_size = ${options.poolSize ?? 4}
max_client_conn = ${options.maxClients ?? 200}
admin_users = ${options.users[0]}
logfile = ${join(dir, 'pgbouncer.log')}
pidfile = ${join(dir, 'pgbouncer.pid')}
ignore_startup_parameters = extra_float_digits,options
`,
  )
  // PgBouncer refuses to run as root: drop to the postgres user, who must own the files.
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString())
    for (const f of ['', 'users.txt', 'pgbouncer.ini']) chownSync(join(dir, f), uid, gid)
  }
  const child: ChildProcess = spawn(
    PGBOUNCER,
    [...(asRoot ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')],
    { stdio: 'ignore' },
  )
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  await waitForPort(port, child)
  return {
    port,
    dir,
    async stop() {
      process.off('exit', killOnExit)
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGINT')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited with ${child.exitCode}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    if (Date.now() > deadline) throw new Error(`pgbouncer did not listen on ${port}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
