import { join } from 'node:path'
import { createFakePoster, type FakePoster } from '@rc/poster-client/testing'
import { seedDemoChecklist } from './demo-checklist'
import { createOwnerRestaurantRepository } from './restaurants/repository'
import type { Runtime } from './runtime'
import { type SeedUser, seed } from './seed'

export const DEMO_RESTAURANTS = [
  { id: 'aurora-cafe', name: 'Aurora Café', tier: 'free' },
  { id: 'nord-bistro', name: 'Nord Bistro', tier: 'pro' },
  { id: 'sol-pizzeria', name: 'Sol Pizzeria', tier: 'enterprise' },
]
export const DEMO_PASSWORD = 'demo-password'
export const DEMO_USERS: SeedUser[] = [
  {
    email: 'admin@example.com',
    name: 'Demo Admin',
    password: DEMO_PASSWORD,
    platformAdmin: true,
    roles: Object.fromEntries(DEMO_RESTAURANTS.map((r) => [r.id, 'admin'])),
  },
  {
    email: 'manager@example.com',
    name: 'Demo Manager',
    password: DEMO_PASSWORD,
    roles: { 'aurora-cafe': 'manager', 'nord-bistro': 'manager' },
  },
  {
    email: 'viewer@example.com',
    name: 'Demo Viewer',
    password: DEMO_PASSWORD,
    roles: { 'aurora-cafe': 'viewer', 'nord-bistro': 'viewer' },
  },
]

export interface Demo {
  fake: FakePoster
  /** Settles once every demo restaurant's first sync (and starting checklist) is done. */
  ready: Promise<void>
}

/**
 * The embedded demo: a fake Poster with the demo restaurants (and any account onboarded since), their
 * users, a sync of each and a starting checklist. Safe to run on every start over data kept from an earlier one: restaurants
 * that exist get the new fake's address and token (both change per start), users that exist are
 * left as they are (their password, roles and memberships may have changed since), and a checklist
 * is only created for a restaurant that has none.
 */
export async function startDemo(runtime: Runtime): Promise<Demo> {
  const fake = await createFakePoster({
    accounts: DEMO_RESTAURANTS.map((r) => r.id),
    seed: 42,
    // Onboarding: a person names their (new) Poster account on the fake's consent page; it is kept
    // beside the database so that the restaurant connected with it still syncs after a restart.
    consent: 'page',
    ...(runtime.config.dataDir
      ? { accountsFile: join(runtime.config.dataDir, 'fake-poster-accounts.json') }
      : {}),
  })
  const owner = runtime.owner
  // Every restaurant of an embedded deployment talks to the fake: point the ones kept from before at this one.
  await owner.query('UPDATE control.restaurants SET poster_base_url = $1 WHERE poster_base_url IS NOT NULL', [
    fake.url,
  ])
  const restaurants = createOwnerRestaurantRepository(owner)
  const fresh = []
  for (const [i, r] of DEMO_RESTAURANTS.entries()) {
    const token = (fake.accounts[i] as { token: string }).token
    const existing = await runtime.control.restaurants.get(r.id)
    if (existing) await restaurants.setConnection(r.id, fake.url, runtime.cipher.encrypt(token))
    else fresh.push({ ...r, posterAccount: r.id, token, posterBaseUrl: fake.url })
  }
  const users = []
  for (const u of DEMO_USERS) if (!(await runtime.control.users.findByEmail(u.email))) users.push(u)
  await seed(owner, runtime.cipher, { restaurants: fresh, users })

  const jobs = []
  for (const r of DEMO_RESTAURANTS)
    jobs.push({ id: r.id, job: await runtime.jobs.syncNow({ restaurantId: r.id, reason: 'manual' }) })
  const ready = (async () => {
    for (const { id, job } of jobs) {
      for (;;) {
        const info = await runtime.jobs.get(job.id)
        if (!info || info.state === 'completed' || info.state === 'failed') break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      await seedDemoChecklist(runtime, id)
    }
  })().catch((error) => runtime.log.error({ err: error }, 'demo checklist not seeded'))
  return { fake, ready }
}
