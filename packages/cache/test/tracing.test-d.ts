// The tracing surface: channel names are literal types, contexts type what a subscriber reads.
import { tracingChannel } from 'node:diagnostics_channel'
import { expectTypeOf } from 'vitest'
import {
  type CacheGetContext,
  type CacheGetOrSetContext,
  type CacheInvalidateContext,
  type CacheLayer,
  cacheChannels,
} from '../src/index'

expectTypeOf(cacheChannels.get).toEqualTypeOf<'rc:cache:get'>()
expectTypeOf(cacheChannels.load).toEqualTypeOf<'rc:cache:load'>()
expectTypeOf<CacheGetContext['outcome']>().toEqualTypeOf<'hit' | 'miss' | 'stale' | undefined>()
expectTypeOf<CacheGetOrSetContext['layer']>().toEqualTypeOf<CacheLayer | undefined>()
expectTypeOf(cacheChannels.invalidate).toEqualTypeOf<'rc:cache:invalidate'>()
expectTypeOf<CacheInvalidateContext['mode']>().toEqualTypeOf<'invalidate' | 'expire'>()
expectTypeOf<CacheInvalidateContext['tags']>().toEqualTypeOf<string[]>()
tracingChannel<unknown, CacheGetOrSetContext>(cacheChannels.getOrSet).subscribe({
  start: (c) => expectTypeOf(c.key).toBeString(),
  end: () => {},
  asyncStart: () => {},
  asyncEnd: (c) => expectTypeOf(c.loaded).toEqualTypeOf<boolean | undefined>(),
  error: (c) => expectTypeOf(c.error).toBeUnknown(),
})
// @ts-expect-error a cached value is never part of a context
expectTypeOf<CacheGetContext['value']>().toBeUnknown()
