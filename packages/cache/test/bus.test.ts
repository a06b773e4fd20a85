import { randomBytes } from 'node:crypto'
import { memoryBus } from '../src/memory'
import { describeCacheBus } from '../src/testing'

const channel = `bus-${randomBytes(4).toString('hex')}`
describeCacheBus({ name: 'memoryBus', create: () => memoryBus({ channel }) })
