import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createCache } from '../src/index'
import { memoryStore } from '../src/memory'

// Namespace and tag names drawn from a small alphabet with the separators and
// glob characters in it, so that collisions would show if escaping were wrong.
const name = fc.stringMatching(/^[a-c|%*:]{1,4}$/).filter((n) => !n.startsWith('#'))
const write = fc.record({
  ns: fc.constantFrom('t1', 't1|x', 't2', '*'),
  key: name,
  tags: fc.array(name, { maxLength: 3 }),
})
const action = fc.oneof(
  fc.record({
    kind: fc.constant('invalidate' as const),
    ns: fc.constantFrom('t1', 't1|x', 't2', '*'),
    tag: name,
  }),
  fc.record({ kind: fc.constant('everywhere' as const), tag: name }),
)

describe('tag isolation (property)', () => {
  it('an invalidation removes exactly the entries of its namespace (or, everywhere, of the prefix) with that tag', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(write, { minLength: 1, maxLength: 12 }),
        fc.array(action, { maxLength: 4 }),
        async (writes, actions) => {
          const cache = createCache({ store: memoryStore(), prefix: 'p' })
          const model = new Map<string, { ns: string; key: string; tags: Set<string> }>()
          for (const w of writes) {
            await cache.namespace(w.ns).set(w.key, `${w.ns}/${w.key}`, { tags: w.tags })
            model.set(`${w.ns}\u0000${w.key}`, { ns: w.ns, key: w.key, tags: new Set(w.tags) })
          }
          for (const a of actions) {
            if (a.kind === 'invalidate') await cache.namespace(a.ns).invalidateTags([a.tag])
            else await cache.invalidateTagsEverywhere([a.tag])
            for (const [id, entry] of model) {
              if (entry.tags.has(a.tag) && (a.kind === 'everywhere' || entry.ns === a.ns)) model.delete(id)
            }
          }
          for (const w of writes) {
            const expected = model.has(`${w.ns}\u0000${w.key}`) ? `${w.ns}/${w.key}` : undefined
            expect(await cache.namespace(w.ns).get(w.key)).toBe(expected)
          }
          await cache.close()
        },
      ),
      { numRuns: 200 },
    )
  })
})
