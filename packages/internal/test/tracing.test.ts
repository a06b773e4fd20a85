import { AsyncLocalStorage } from 'node:async_hooks'
import { describe, expect, it } from 'vitest'
import { type TracedContext, trace, traced, tracer } from '../src/tracing'

interface Ctx extends TracedContext {
  name: string
  done?: boolean
}

function record(name: string) {
  const channel = tracer<Ctx>(name)
  const events: [string, Ctx][] = []
  const handlers = {
    start: (c: Ctx) => events.push(['start', c]),
    end: (c: Ctx) => events.push(['end', c]),
    asyncStart: (c: Ctx) => events.push(['asyncStart', c]),
    asyncEnd: (c: Ctx) => events.push(['asyncEnd', c]),
    error: (c: Ctx) => events.push(['error', c]),
  }
  channel.subscribe(handlers)
  return { channel, events, stop: () => channel.unsubscribe(handlers) }
}

describe('traced', () => {
  it('with no subscriber builds no context and calls fn directly', async () => {
    const channel = tracer<Ctx>('rc:internal-test:idle')
    let built = 0
    let seen: Ctx | undefined | 'unset' = 'unset'
    const value = await traced(
      channel,
      () => {
        built++
        return { name: 'x' }
      },
      async (c) => {
        seen = c
        return 42
      },
    )
    expect(value).toBe(42)
    expect(built).toBe(0)
    expect(seen).toBeUndefined()
  })

  it('publishes start, end, asyncStart, asyncEnd with the fields fn set, and hides the value', async () => {
    const { channel, events, stop } = record('rc:internal-test:ok')
    const value = await traced(
      channel,
      (): Ctx => ({ name: 'op' }),
      async (c) => {
        c!.done = true
        return { secret: 'cached-value' }
      },
    )
    stop()
    expect(value).toEqual({ secret: 'cached-value' })
    expect(events.map(([e]) => e)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])
    const ctx = events[3]![1]
    expect(ctx).toMatchObject({ name: 'op', done: true })
    expect(ctx.result).toBeUndefined()
    expect(JSON.stringify(ctx)).not.toContain('cached-value')
  })

  it('publishes error; publicError replaces what subscribers see, the caller gets the original', async () => {
    const { channel, events, stop } = record('rc:internal-test:fail')
    const original = new Error('value 12345 is bad')
    const call = trace(
      channel,
      { name: 'op' },
      async () => {
        throw original
      },
      () => new Error('query failed'),
    )
    await expect(call).rejects.toBe(original)
    stop()
    expect(events.map(([e]) => e)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd'])
    expect((events[2]![1].error as Error).message).toBe('query failed')
  })

  it('runs fn inside the start store: a nested operation sees its parent', async () => {
    const als = new AsyncLocalStorage<string>()
    const outer = tracer<Ctx>('rc:internal-test:outer')
    const inner = tracer<Ctx>('rc:internal-test:inner')
    outer.start.bindStore(als, (c) => `span:${(c as Ctx).name}`)
    let parentSeen: string | undefined
    const onStart = () => {
      parentSeen = als.getStore()
    }
    inner.start.subscribe(onStart)
    await traced(
      outer,
      () => ({ name: 'outer' }),
      async () => {
        await new Promise((r) => setTimeout(r, 1))
        return traced(
          inner,
          () => ({ name: 'inner' }),
          async () => 1,
        )
      },
    )
    inner.start.unsubscribe(onStart)
    outer.start.unbindStore(als)
    expect(parentSeen).toBe('span:outer')
  })
})
