import { describe, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import {
  type CreateSupplyInput,
  createPosterClient,
  type Kopecks,
  memoryRateLimitStore,
  type PosterIngredient,
  type PosterLeftover,
  type PosterSettings,
  type PosterSupplier,
  type PosterSupply,
  type RateLimitStore,
  toCurrencyUnits,
} from '../src/index'
import { authorizationUrl, exchangeCode } from '../src/oauth'
import { redisRateLimitStore } from '../src/redis'
import { createFakePoster } from '../src/testing'
import { createTokenCipher } from '../src/tokens'
import { type PosterWebhookEvent, parseWebhook, verifyWebhook } from '../src/webhooks'

// Type tests (vitest typecheck); nothing here runs.
const poster = createPosterClient({ account: 'cafe', token: '1:abc', baseUrl: 'http://127.0.0.1:9' })

describe('public types', () => {
  it('typed methods return parsed rows with numbers and Poster names', () => {
    expectTypeOf(poster.storage.getSuppliers).returns.resolves.toEqualTypeOf<PosterSupplier[]>()
    expectTypeOf<PosterSupplier['supplier_id']>().toEqualTypeOf<number>()
    expectTypeOf<PosterSupplier['supplier_adress']>().toEqualTypeOf<string | null | undefined>()
    expectTypeOf<PosterIngredient['ingredient_left']>().toEqualTypeOf<number | undefined>()
    expectTypeOf(poster.storage.createSupply).returns.resolves.toEqualTypeOf<number>()
  })

  it('money says its unit: kopecks are branded, a supply line price is in currency units', () => {
    expectTypeOf<PosterLeftover['prime_cost']>().toEqualTypeOf<Kopecks | undefined>()
    expectTypeOf<PosterSupply['supply_sum']>().toEqualTypeOf<Kopecks | undefined>()
    const cost = 1461 as Kopecks
    expectTypeOf(toCurrencyUnits(cost)).toEqualTypeOf<number>()
    // @ts-expect-error a plain number is not kopecks: say where it came from
    toCurrencyUnits(14.61)
    const line = { id: 1, type: 4, num: 2 } as const
    const supply = { date: '2026-01-01', supplier_id: 1, storage_id: 1 }
    const priced: CreateSupplyInput = { supply, ingredient: [{ ...line, sum: toCurrencyUnits(cost) }] }
    // @ts-expect-error kopecks where Poster takes currency units: convert with toCurrencyUnits
    const wrong: CreateSupplyInput = { supply, ingredient: [{ ...line, sum: cost }] }
    expectTypeOf(priced).toEqualTypeOf(wrong)
  })

  it('shapes follow Poster: COMPANY_ID is text, getSupplies is awaitable and iterable, webhooks are open', () => {
    expectTypeOf<PosterSettings['COMPANY_ID']>().toEqualTypeOf<string>()
    const query = poster.storage.getSupplies({ dateFrom: '20260101' })
    expectTypeOf(query).resolves.toEqualTypeOf<PosterSupply[]>()
    expectTypeOf(query).toExtend<AsyncIterable<PosterSupply>>()
    expectTypeOf<PosterWebhookEvent['action']>().toExtend<string>()
    expectTypeOf<'closed'>().toExtend<PosterWebhookEvent['action']>()
    expectTypeOf(poster.storage.deleteSupply).returns.resolves.toEqualTypeOf<void>()
  })

  it('call() returns the schema output, or unknown without a schema', () => {
    const schema = z.object({ n: z.string().transform(Number) })
    expectTypeOf(() => poster.call('a.b', {}, schema)).returns.resolves.toEqualTypeOf<{ n: number }>()
    expectTypeOf(() => poster.call('a.b')).returns.resolves.toEqualTypeOf<unknown>()
  })

  it('misuse does not compile', () => {
    expectTypeOf(redisRateLimitStore).returns.toEqualTypeOf<RateLimitStore>()
    // @ts-expect-error the token is required
    expectTypeOf(createPosterClient).toBeCallableWith({ account: 'cafe' })
    // @ts-expect-error durations are ms or strings like '30s'
    expectTypeOf(createPosterClient).toBeCallableWith({ account: 'a', token: 't', timeout: '30 seconds' })
    const supply = { date: '2026-01-01', supplier_id: 1, storage_id: 1 }
    const line = { id: 1, type: 2, num: 1, sum: 1 } as const
    // @ts-expect-error type 2 is not a supply line type (1 product, 4 ingredient, 5 modifier)
    const input: CreateSupplyInput = { supply, ingredient: [line] }
    expectTypeOf(input).toEqualTypeOf<CreateSupplyInput>()
  })

  it('refuses misuse of every factory', () => {
    // @ts-expect-error a Redis store needs the caller's ioredis client
    redisRateLimitStore({ prefix: 'rl:' })
    // @ts-expect-error the poll interval is milliseconds
    memoryRateLimitStore({ pollMs: '25ms' })
    // @ts-expect-error the exchange needs the code Poster returned
    exchangeCode({ account: 'a', applicationId: 1, applicationSecret: 's', redirectUri: 'https://x' })
    // @ts-expect-error the authorize URL needs the redirect URI
    authorizationUrl({ applicationId: 1 })
    // @ts-expect-error the cipher needs the id of the current key
    createTokenCipher({ keys: { k1: 'a'.repeat(44) } })
    // @ts-expect-error verifying needs the application secret
    verifyWebhook({ account: 'a' })
    // @ts-expect-error a webhook body is a string, a Buffer or an object
    parseWebhook(42, 'secret')
    // @ts-expect-error accounts are a count or a list
    createFakePoster({ accounts: 'three' })
  })
})
