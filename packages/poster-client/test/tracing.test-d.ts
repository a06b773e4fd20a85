// The tracing surface: channel names are literal types, contexts type what a subscriber reads.
import { expectTypeOf } from 'vitest'
import { type PosterAttemptContext, type PosterCallContext, posterChannels } from '../src/index'

expectTypeOf(posterChannels.call).toEqualTypeOf<'rc:poster-client:call'>()
expectTypeOf(posterChannels.limiter).toEqualTypeOf<'rc:poster-client:limiter'>()
expectTypeOf<PosterAttemptContext['willRetry']>().toEqualTypeOf<boolean | undefined>()
expectTypeOf<PosterCallContext['url']>().toBeString()
// @ts-expect-error the token is never part of a context
expectTypeOf<PosterCallContext['token']>().toBeUnknown()
