// The recent-errors table on the embedded database (PGlite), as the app role: migration 006's grants,
// the trim to the newest 20 per restaurant, and the per-restaurant listing the admin page reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Database, openPglite, type QueryPool } from '../src/infra/database'
import { createRecentErrors, KEEP_PER_RESTAURANT, type NewError } from '../src/telemetry/recent-errors'

let db: Database
let owner: QueryPool

const error = (restaurantId: string | null, i: number): NewError => ({
  restaurantId,
  kind: 'job',
  where: `job n${i}`,
  message: `failure ${i}`,
  traceId: i.toString(16).padStart(32, '0'),
  sentryEventId: null,
  userId: null,
  jobId: `sync-${i}`,
})

beforeAll(async () => {
  ;({ db, owner } = await openPglite())
  for (const id of ['a', 'b'])
    await owner.query(
      `INSERT INTO control.restaurants (id, name, poster_account, token_ciphertext) VALUES ($1, $1, $1, 'x')`,
      [id],
    )
}, 60_000)

afterAll(async () => {
  await db?.close()
})

describe('recent errors on PGlite', () => {
  it('keeps the newest per restaurant and lists each restaurant apart', async () => {
    const recent = createRecentErrors(db.pool)
    for (let i = 1; i <= KEEP_PER_RESTAURANT + 3; i++) await recent.record(error('a', i))
    await recent.record(error('b', 100))
    await recent.record(error(null, 200))
    const a = await recent.of('a', 100)
    expect(a).toHaveLength(KEEP_PER_RESTAURANT)
    expect(a[0]).toMatchObject({
      where: `job n${KEEP_PER_RESTAURANT + 3}`,
      jobId: `sync-${KEEP_PER_RESTAURANT + 3}`,
    })
    expect(a.at(-1)!.where).toBe('job n4')
    const newest = await recent.newest(2)
    expect(newest.a!.map((e) => e.where)).toEqual([
      `job n${KEEP_PER_RESTAURANT + 3}`,
      `job n${KEEP_PER_RESTAURANT + 2}`,
    ])
    expect(newest.b!.map((e) => e.traceId)).toEqual([(100).toString(16).padStart(32, '0')])
    expect(newest['']!.map((e) => e.where)).toEqual(['job n200'])
  })

  it('refuses a trace id that is not 32 hex', async () => {
    await expect(createRecentErrors(db.pool).record({ ...error('a', 1), traceId: 'nope' })).rejects.toThrow()
  })
})
