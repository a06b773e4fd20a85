// The tracing surface: the channel name is a literal type, the context types what a subscriber reads.
import { expectTypeOf } from 'vitest'
import { type Algorithm, type RateTiersDecideContext, rateTiersChannels } from '../src/index'

expectTypeOf(rateTiersChannels.decide).toEqualTypeOf<'rc:rate-tiers:decide'>()
expectTypeOf<RateTiersDecideContext['algorithm']>().toEqualTypeOf<Algorithm>()
expectTypeOf<RateTiersDecideContext['allowed']>().toEqualTypeOf<boolean | undefined>()
