import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../src/cli/run'
import { createTenantFixture, type TenantFixture } from './support/database'

const exec = promisify(execFile)
let fx: TenantFixture
let dir: string

beforeAll(async () => {
  fx = await createTenantFixture('tenant_cli')
  dir = mkdtempSync(join(tmpdir(), 'rc-tenant-cli-'))
})

afterAll(async () => {
  await fx?.destroy()
  rmSync(dir, { recursive: true, force: true })
})

async function cli(...argv: string[]) {
  let stdout = ''
  let stderr = ''
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: { DATABASE_URL: fx.db.url },
  })
  return { code, stdout, stderr }
}

describe('rc-tenant-db', () => {
  it('exits 2 with usage on a command line it cannot run', async () => {
    for (const argv of [[], ['deploy'], ['audit', '--role', 'app'], ['audit', '--colum', 'x'], ['migrate']]) {
      const r = await cli(...argv)
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('Usage: rc-tenant-db')
    }
    const noDb = await runCli(['migrate', '--dir', dir], {
      stdout: { write: () => true },
      stderr: { write: () => true },
      env: {},
    })
    expect(noDb).toBe(2)
    expect((await cli('--help')).code).toBe(0)
  })

  it('migrate applies the folder, then audit gates on error-level findings (exit 1, --json)', async () => {
    const migrations = join(dir, 'migrations')
    await exec('mkdir', ['-p', migrations])
    writeFileSync(
      join(migrations, '001_suppliers.sql'),
      'CREATE TABLE suppliers (restaurant_id text NOT NULL, poster_id int NOT NULL UNIQUE);',
    )
    const migrated = await cli('migrate', '--dir', migrations, '--json')
    expect(migrated.code).toBe(0)
    expect(JSON.parse(migrated.stdout)).toEqual({ applied: ['001_suppliers.sql'], skipped: [] })

    const audit = await cli('audit', '--column', 'restaurant_id', '--role', fx.role, '--json')
    expect(audit.code).toBe(1)
    const keys = JSON.parse(audit.stdout).findings.map((f: { key: string }) => f.key)
    expect(keys).toContain('RLS_DISABLED:public.suppliers')
    expect(keys).toContain('UNIQUE_WITHOUT_TENANT:public.suppliers.suppliers_poster_id_key')

    const text = await cli('audit', '--column', 'restaurant_id', '--role', fx.role)
    expect(text.code).toBe(1)
    expect(text.stdout).toMatch(/error\s+RLS_DISABLED\s+public\.suppliers/)
    expect(text.stdout).toContain('fix: ALTER TABLE "public"."suppliers" ENABLE ROW LEVEL SECURITY;')
  })

  it('a baseline accepts existing findings; a new one fails the gate again', async () => {
    const baseline = join(dir, 'baseline.json')
    const args = ['audit', '--column', 'restaurant_id', '--role', fx.role]
    expect((await cli(...args, '--write-baseline', baseline)).code).toBe(0)
    expect(JSON.parse(readFileSync(baseline, 'utf8')).version).toBe(1)
    const adopted = await cli(...args, '--baseline', baseline)
    expect(adopted.code).toBe(0)
    expect(adopted.stdout).toMatch(/accepted by the baseline/)
    await fx.admin.query('CREATE TABLE orders (restaurant_id text NOT NULL)')
    const fresh = await cli(...args, '--baseline', baseline, '--json')
    expect(fresh.code).toBe(1)
    expect(
      JSON.parse(fresh.stdout).findings.every((f: { object: string }) =>
        f.object.startsWith('public.orders'),
      ),
    ).toBe(true)
  })

  it('apply-rls protects the tables it is given', async () => {
    const r = await cli(
      'apply-rls',
      '--tables',
      'suppliers,orders',
      '--column',
      'restaurant_id',
      '--role',
      fx.role,
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('rls applied to public.suppliers (restaurant_id text)')
    const audit = await cli('audit', '--column', 'restaurant_id', '--role', fx.role, '--json')
    const codes = JSON.parse(audit.stdout).findings.map((f: { code: string }) => f.code)
    expect(codes).not.toContain('RLS_DISABLED')
    expect(codes).not.toContain('RLS_NOT_FORCED')
    expect(codes).not.toContain('NO_POLICY')
  })

  it('exits 1 with a clear message when the database cannot be reached', async () => {
    const r = await cli(
      'audit',
      '--column',
      'c',
      '--role',
      'r',
      '--database-url',
      'postgres://postgres@127.0.0.1:1/x',
    )
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/rc-tenant-db audit: \[@rc\/tenant-db\]/)
  })

  it('the bin sets the process exit code', async () => {
    const run = (...argv: string[]) =>
      exec(process.execPath, ['--conditions=@rc/source', '--import', 'tsx', 'src/cli.ts', ...argv], {
        cwd: join(import.meta.dirname, '..'),
        env: { ...process.env, DATABASE_URL: fx.db.url },
      }).then(
        () => 0,
        (error: { code: number }) => error.code,
      )
    expect(await run('audit', '--column', 'restaurant_id', '--role', fx.role)).toBe(1)
    expect(await run('bogus')).toBe(2)
  })
})
