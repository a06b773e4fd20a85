// The fake answers with exactly the keys and JSON types of Poster's documented examples, key by key,
// so it cannot drift from Poster again.
import { posterSampleNames, readPosterSample } from '@rc/test-services'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFakePoster, type FakePoster } from '../src/testing'
import { type Shape, shapeDifferences, shapeOf } from './shape'

let fake: FakePoster

beforeAll(async () => {
  // Several accounts and seeds' worth of data, so every kind of row the sample shows appears.
  fake = await createFakePoster({ accounts: 6, seed: 5 })
})
afterAll(() => fake.close())

const sampleShape = (name: string, edit: (json: any) => unknown = (json) => json): Shape =>
  shapeOf([edit(structuredClone(readPosterSample(name).json))])

async function answers(path: string, init?: RequestInit, tokens = fake.accounts.map((a) => a.token)) {
  const bodies: unknown[] = []
  for (const token of tokens) {
    const separator = path.includes('?') ? '&' : '?'
    const response = await fetch(
      `${fake.url}/api/${path}${separator}token=${encodeURIComponent(token)}`,
      init,
    )
    bodies.push(await response.json())
  }
  return shapeOf(bodies)
}

const post = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
})

function validSupply(index: number) {
  const { data } = fake.accounts[index]!
  const supplier = data.suppliers.find((s) => s.delete === '0')!
  return {
    supply: { date: '2026-02-01 10:00:00', supplier_id: Number(supplier.supplier_id), storage_id: 1 },
    ingredient: [{ id: 1, type: 4, num: 2, sum: 10.5 }],
  }
}

/** Each sample and the fake's answer it must match. */
const comparisons: Record<
  string,
  Array<{ what: string; expected: () => Shape; actual: () => Promise<Shape> }>
> = {
  'storage.getStorages': [
    {
      what: 'list',
      expected: () => sampleShape('storage.getStorages'),
      actual: () => answers('storage.getStorages'),
    },
  ],
  'storage.getSuppliers': [
    {
      what: 'list',
      expected: () => sampleShape('storage.getSuppliers'),
      actual: () => answers('storage.getSuppliers'),
    },
  ],
  'menu.getIngredients': [
    {
      what: 'list',
      expected: () => sampleShape('menu.getIngredients'),
      actual: () => answers('menu.getIngredients'),
    },
  ],
  'menu.getCategoriesIngredients': [
    {
      what: 'list',
      expected: () => sampleShape('menu.getCategoriesIngredients'),
      actual: () => answers('menu.getCategoriesIngredients'),
    },
  ],
  'menu.getCategories': [
    {
      what: 'list',
      expected: () => sampleShape('menu.getCategories'),
      actual: () => answers('menu.getCategories'),
    },
  ],
  'menu.getProducts': [
    {
      what: 'list',
      expected: () => sampleShape('menu.getProducts'),
      actual: () => answers('menu.getProducts'),
    },
  ],
  'storage.getStorageLeftovers': [
    {
      what: 'all storages',
      expected: () => sampleShape('storage.getStorageLeftovers'),
      actual: () => answers('storage.getStorageLeftovers?zero_leftovers=true'),
    },
    {
      // Documented: these two come only with the storage_id parameter (their types are our guess:
      // strings, like every quantity and id of this method).
      what: 'one storage',
      expected: () =>
        sampleShape('storage.getStorageLeftovers', (json) => {
          for (const row of json.response)
            Object.assign(row, { storage_ingredient_left: '0.00000', storage_id: '1' })
          return json
        }),
      actual: () => answers('storage.getStorageLeftovers?storage_id=1'),
    },
  ],
  'storage.getSupplies': [
    {
      what: 'last month',
      expected: () => sampleShape('storage.getSupplies'),
      actual: () => answers('storage.getSupplies'),
    },
    {
      what: 'a date range',
      expected: () => sampleShape('storage.getSupplies'),
      actual: () => answers('storage.getSupplies?dateFrom=20200101&dateTo=20991231'),
    },
  ],
  'storage.createSupply': [
    {
      what: 'created',
      expected: () => sampleShape('storage.createSupply'),
      actual: async () => {
        const bodies: unknown[] = []
        for (const [i, account] of fake.accounts.entries()) {
          const response = await fetch(
            `${fake.url}/api/storage.createSupply?token=${encodeURIComponent(account.token)}`,
            post(validSupply(i)),
          )
          bodies.push(await response.json())
        }
        return shapeOf(bodies)
      },
    },
  ],
  'storage.deleteSupply': [
    {
      what: 'deleted',
      expected: () => sampleShape('storage.deleteSupply'),
      actual: () => answers('storage.deleteSupply', post({ supply_id: 1 })),
    },
  ],
  'access.getSpots': [
    {
      what: 'list',
      expected: () => sampleShape('access.getSpots'),
      actual: () => answers('access.getSpots'),
    },
  ],
  'settings.getAllSettings': [
    {
      what: 'settings',
      expected: () => sampleShape('settings.getAllSettings'),
      actual: () => answers('settings.getAllSettings'),
    },
  ],
  'error.docs-bad-access-token': [
    {
      what: 'a bad token',
      expected: () => sampleShape('error.docs-bad-access-token'),
      actual: () => answers('storage.getStorages', undefined, ['1:00000000000000000000000000000000']),
    },
  ],
  'auth.access_token': [
    {
      what: 'the code exchange',
      expected: () => sampleShape('auth.access_token'),
      actual: async () => {
        const bodies: unknown[] = []
        for (const account of fake.accounts) {
          const form = new URLSearchParams({
            application_id: fake.application.id,
            application_secret: fake.application.secret,
            grant_type: 'authorization_code',
            redirect_uri: 'http://app.test/cb',
            code: fake.authorize(account.account),
          })
          const response = await fetch(`${fake.url}/api/v2/auth/access_token`, { method: 'POST', body: form })
          bodies.push(await response.json())
        }
        return shapeOf(bodies)
      },
    },
  ],
  ...Object.fromEntries(
    ['auth.manage-error-34', 'auth.manage-error-142', 'auth.manage-error-143'].map((name) => [
      name,
      [
        {
          // The fake's flat errors (of its writes) have the shape of Poster's documented flat errors.
          what: 'a flat error',
          expected: () => sampleShape(name),
          actual: () =>
            answers(
              'storage.createSupply',
              post({ supply: { date: '2026-02-01', storage_id: 1 }, ingredient: [] }),
            ),
        },
      ],
    ]),
  ),
  'webhook.docs-transaction': [
    {
      what: 'a webhook without data',
      expected: () => sampleShape('webhook.docs-transaction'),
      actual: async () => {
        const { createServer } = await import('node:http')
        const server = createServer((req, res) => {
          req.resume()
          req.on('end', () => res.end('{"status":"accept"}'))
        })
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
        const { port } = server.address() as import('node:net').AddressInfo
        try {
          const sent = await fake.sendWebhook(`http://127.0.0.1:${port}/`, {
            object: 'transaction',
            object_id: 1,
            action: 'added',
          })
          return shapeOf([sent.payload])
        } finally {
          server.close()
        }
      },
    },
  ],
}

describe('the fake has the shape of every documented answer', () => {
  it('every sample file is compared', () => {
    expect(posterSampleNames()).toEqual(Object.keys(comparisons).sort())
  })

  for (const [name, checks] of Object.entries(comparisons)) {
    for (const check of checks) {
      it(`${name} (${check.what})`, async () => {
        expect(shapeDifferences(check.expected(), await check.actual())).toEqual([])
      })
    }
  }

  it('the comparison sees drift: a type, a missing key, an extra key, a key no longer always sent', () => {
    const sample = sampleShape('storage.getStorageLeftovers')
    const drifted = (edit: (row: Record<string, unknown>, i: number) => void) => {
      const json = structuredClone(readPosterSample('storage.getStorageLeftovers').json) as {
        response: Array<Record<string, unknown>>
      }
      json.response.forEach(edit)
      return shapeOf([json])
    }
    expect(
      shapeDifferences(
        sample,
        drifted((row) => {
          row.prime_cost = String(row.prime_cost) // the old fake's string prime cost
        }),
      ),
    ).toEqual(['$.response[].prime_cost: the sample sends number, the fake string'])
    expect(
      shapeDifferences(
        sample,
        drifted((row) => delete row.hidden),
      ),
    ).toEqual(['$.response[].hidden: in the sample, never sent by the fake'])
    expect(
      shapeDifferences(
        sample,
        drifted((row) => Object.assign(row, { storage_ingredient_left: '1' })),
      ),
    ).toEqual(['$.response[].storage_ingredient_left: sent by the fake, not in the sample'])
    expect(
      shapeDifferences(
        sample,
        drifted((row, i) => i === 0 && delete row.hidden),
      ),
    ).toEqual(['$.response[].hidden: the sample has it always, the fake sometimes'])
  })
})
