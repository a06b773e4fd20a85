import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { createCache as createCacheManager } from 'cache-manager'
import { createCache } from '../src/index'
import { memoryStore } from '../src/memory'
import { fmt, openLoop } from './harness'

const RATE = 1_000
const RUN_MS = 5_000
const BACKOFF_MS = 1_000

/**
 * A key whose loader fails (the backend is down) under 1,000 calls/s, after
 * its value expired but is still in grace: how often each cache calls the
 * failing loader, and what callers get.
 */
export async function benchFailSafe(): Promise<string> {
  const calls = new Map<string, number>()
  const failing = (name: string) => async () => {
    calls.set(name, (calls.get(name) ?? 0) + 1)
    throw new Error('backend down')
  }
  const rc = createCache({ store: memoryStore(), prefix: 'fs', grace: '1m', failSafeBackoff: BACKOFF_MS })
  const rcNoBackoff = createCache({ store: memoryStore(), prefix: 'fs0', grace: '1m', failSafeBackoff: 0 })
  const bento = new BentoCache({ default: 'm', stores: { m: bentostore().useL1Layer(memoryDriver({})) } })
  const cm = createCacheManager()
  const stale = { report: 'yesterday' }
  await rc.set('report', stale, { ttl: 50 })
  await rcNoBackoff.set('report', stale, { ttl: 50 })
  await bento.set({ key: 'report', value: stale, ttl: 50, grace: '1m' })
  await cm.set('report', stale, 50)
  await new Promise((r) => setTimeout(r, 150))
  const contenders: [string, (i: number) => Promise<unknown>][] = [
    [`@rc/cache, failSafeBackoff ${BACKOFF_MS / 1000} s`, () => rc.getOrSet('report', failing('rc'))],
    ['@rc/cache, failSafeBackoff 0', () => rcNoBackoff.getOrSet('report', failing('rc0'))],
    [
      `bentocache getOrSet, grace 1 m, graceBackoff ${BACKOFF_MS / 1000} s`,
      () =>
        bento.getOrSet({ key: 'report', factory: failing('bento'), grace: '1m', graceBackoff: BACKOFF_MS }),
    ],
    ['cache-manager v7 wrap (no grace)', () => cm.wrap('report', failing('cm'))],
  ]
  const names = ['rc', 'rc0', 'bento', 'cm']
  const rows: string[] = []
  let ours = 0
  for (const [i, [name, fn]] of contenders.entries()) {
    const result = await openLoop(fn, RATE, RUN_MS)
    const perSecond = (calls.get(names[i]!) ?? 0) / (RUN_MS / 1000)
    if (i === 0) ours = perSecond
    rows.push(
      `| ${name} | ${fmt(perSecond, 1)} | ${fmt(result.calls - result.errors)} | ${fmt(result.errors)} |`,
    )
  }
  await rc.close()
  await rcNoBackoff.close()
  await bento.disconnect()
  return [
    `### Fail-safe backoff: a failing loader under ${fmt(RATE)} calls/s (value expired, in grace; ${RUN_MS / 1000} s run)`,
    '',
    '| contender | failing loader calls/s | calls answered (stale) | calls that threw |',
    '|---|---:|---:|---:|',
    ...rows,
    '',
    `Target: ≤ 1 / backoff = ${fmt(1000 / BACKOFF_MS, 1)} loader calls/s (${fmt(ours, 1)}).`,
  ].join('\n')
}
