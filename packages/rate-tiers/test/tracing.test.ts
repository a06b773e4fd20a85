import { memoryRateStore } from '../src/index'
import { describeRateTiersTracing } from './support/tracing-suite'

describeRateTiersTracing('memory', () => memoryRateStore(), 'memory')
