import { AsyncLocalStorage } from 'node:async_hooks'
import { type Context, context, ROOT_CONTEXT, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { afterEach, describe, expect, it } from 'vitest'
import { resolveStorage, storageOf } from '../src/context-storage'
import { instrumentRc, rcChannels } from '../src/index'
import { byName, parentOf, startSdk, traced } from './tracing'

let stop: (() => Promise<void>) | undefined
afterEach(async () => {
  await stop?.()
  stop = undefined
})

const nestedPair = () =>
  traced(rcChannels.tenantDb.withTenant, { tenantId: 'r0' }, () =>
    traced(
      rcChannels.tenantDb.query,
      { tenantId: 'r0', text: 'SELECT 1', operation: 'SELECT' },
      async () => 1,
    ),
  )

describe('finding the context storage', () => {
  it('reads the AsyncLocalStorage of the global AsyncLocalStorageContextManager', () => {
    const sdk = startSdk()
    stop = sdk.stop
    const storage = resolveStorage({})
    expect(storage).toBe(storageOf(sdk.manager))
    expect(storage).toBeInstanceOf(AsyncLocalStorage)
  })

  it('prefers a public getter over the private field', () => {
    const mine = new AsyncLocalStorage<Context>()
    const manager = Object.assign(new AsyncLocalStorageContextManager(), { asyncLocalStorage: mine })
    expect(storageOf(manager)).toBe(mine)
  })

  it('with no AsyncLocalStorage-based manager: spans are recorded, not nested', async () => {
    const sdk = startSdk({ contextManager: false })
    stop = sdk.stop
    const rc = instrumentRc()
    try {
      expect(rc.nested).toBe(false)
      await nestedPair()
      expect(sdk.spans().map((s) => s.name)).toEqual(['SELECT', 'tenant-db withTenant'])
    } finally {
      rc.disable()
    }
  })

  it('contextManager option: a manager that is not the global one still nests when it is the active one', async () => {
    const sdk = startSdk({ contextManager: false })
    stop = sdk.stop
    const manager = new AsyncLocalStorageContextManager()
    context.setGlobalContextManager(manager)
    // A wrapper registered globally (as some vendors do) hides the field: the option names the real one.
    const rc = instrumentRc({ contextManager: manager })
    try {
      expect(rc.nested).toBe(true)
      await nestedPair()
      const spans = sdk.spans()
      expect(parentOf(byName(spans, 'SELECT'))).toBe(
        byName(spans, 'tenant-db withTenant').spanContext().spanId,
      )
    } finally {
      rc.disable()
    }
  })

  it('refuses a storage the active manager does not read (it would nest nothing)', () => {
    const sdk = startSdk()
    stop = sdk.stop
    const unrelated = new AsyncLocalStorageContextManager()
    expect(resolveStorage({ contextManager: unrelated })).toBeUndefined()
  })

  it('asyncLocalStorage option is used as given', async () => {
    const sdk = startSdk()
    stop = sdk.stop
    const storage = storageOf(sdk.manager) as AsyncLocalStorage<Context>
    const rc = instrumentRc({ asyncLocalStorage: storage })
    try {
      expect(rc.nested).toBe(true)
      await storage.run(ROOT_CONTEXT, nestedPair)
      const spans = sdk.spans()
      expect(parentOf(byName(spans, 'SELECT'))).toBe(
        byName(spans, 'tenant-db withTenant').spanContext().spanId,
      )
      expect(trace.getActiveSpan()).toBeUndefined()
    } finally {
      rc.disable()
    }
  })
})
