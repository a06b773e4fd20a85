import { memoryRateStore } from '../src/index'
import { describeRateStore } from './contract'

describeRateStore('memory', () => memoryRateStore())
