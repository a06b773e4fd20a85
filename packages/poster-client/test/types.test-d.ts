import { describe, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import {
  type CreateSupplyInput,
  createPosterClient,
  memoryRateLimitStore,
  type PosterIngredient,
  type PosterSupplier,
  type RateLimitStore,
} from '../src/index'
import { authorizationUrl, exchangeCode } from '../src/oauth'
import { redisRateLimitStore } from '../src/redis'
import { createFakePoster } from '../src/testing'
import { createTokenCipher } from '../src/tokens'
import { parseWebhook, verifyWebhook } from '../src/webhooks'

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
