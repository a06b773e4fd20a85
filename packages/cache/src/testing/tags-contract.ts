import { expect, it } from 'vitest'
import type { SuiteContext } from './shared'

/** Tags belong to the namespace they are used in; prefix-wide invalidation is its own call. */
export function tagsContract(ctx: SuiteContext): void {
  it("invalidates a tag in its own namespace only: another tenant's same tag is untouched", async () => {
    const cache = ctx.make()
    const t1 = cache.namespace('tenant:1')
    const t2 = cache.namespace('tenant:2')
    const nested = t1.namespace('orders')
    await t1.set('suppliers', 'tenant 1', { tags: ['suppliers'] })
    await t2.set('suppliers', 'tenant 2', { tags: ['suppliers'] })
    await nested.set('suppliers', 'nested', { tags: ['suppliers'] })
    await cache.set('suppliers', 'root', { tags: ['suppliers'] })
    await t1.set('menu', 'untagged')
    await t1.set('other', 'other tag', { tags: ['menu'] })

    await t1.invalidateTags(['suppliers'])
    expect(await t1.get('suppliers')).toBeUndefined()
    expect(await t2.get('suppliers')).toBe('tenant 2')
    expect(await nested.get('suppliers')).toBe('nested')
    expect(await cache.get('suppliers')).toBe('root')
    expect(await t1.get('menu')).toBe('untagged')
    expect(await t1.get('other')).toBe('other tag')

    await cache.invalidateTags(['suppliers'])
    expect(await cache.get('suppliers')).toBeUndefined()
    expect(await t2.get('suppliers')).toBe('tenant 2')

    // A value written after the invalidation carries the new version.
    await t1.set('suppliers', 'again', { tags: ['suppliers'] })
    expect(await t1.get('suppliers')).toBe('again')
  })

  it('invalidateTagsEverywhere reaches every namespace of the prefix, and no other prefix', async () => {
    const cache = ctx.make()
    const other = ctx.make()
    const tenants = ['tenant:1', 'tenant:2']
    for (const t of tenants) await cache.namespace(t).set('v', t, { tags: ['vendor:42'] })
    await cache
      .namespace('tenant:1')
      .namespace('deep')
      .set('v', 'deep', { tags: ['vendor:42'] })
    await cache.set('v', 'root', { tags: ['vendor:42', 'x'] })
    await cache.set('kept', 'kept', { tags: ['vendor:7'] })
    await other.namespace('tenant:1').set('v', 'other prefix', { tags: ['vendor:42'] })

    await cache.namespace('tenant:2').invalidateTagsEverywhere(['vendor:42'])
    for (const t of tenants) expect(await cache.namespace(t).get('v')).toBeUndefined()
    expect(await cache.namespace('tenant:1').namespace('deep').get('v')).toBeUndefined()
    expect(await cache.get('v')).toBeUndefined()
    expect(await cache.get('kept')).toBe('kept')
    expect(await other.namespace('tenant:1').get('v')).toBe('other prefix')
  })

  it('tags with the same names in different namespaces never collide, whatever they contain', async () => {
    const cache = ctx.make()
    const names = ['a', 'a|b', 'a||b', '%7C', '#tag', '*']
    for (const ns of ['t', 't|x', 'u']) {
      for (const tag of names) await cache.namespace(ns).set(tag, `${ns}/${tag}`, { tags: [tag] })
    }
    for (const tag of names) await cache.namespace('t').invalidateTags([tag])
    for (const tag of names) {
      expect(await cache.namespace('t').get(tag)).toBeUndefined()
      expect(await cache.namespace('t|x').get(tag)).toBe(`t|x/${tag}`)
      expect(await cache.namespace('u').get(tag)).toBe(`u/${tag}`)
    }
  })
}
