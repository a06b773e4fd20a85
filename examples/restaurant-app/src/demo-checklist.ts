import { CHECKLIST_TAG } from './checklist/load'
import type { Runtime } from './runtime'

const SECTIONS = ['Kitchen', 'Bar', 'Dry store']

/**
 * A starting checklist for a demo restaurant, from what its sync brought: three sections, every
 * ingredient in one of them with a supplier, and par levels that put about a quarter below par, so the
 * suggestions and orders have something to show. Does nothing once the restaurant has a section.
 */
export async function seedDemoChecklist(runtime: Runtime, restaurantId: string): Promise<boolean> {
  const seeded = await runtime.db.tenant.withTenant(restaurantId, async (tx) => {
    const { rows: existing } = await tx.query('SELECT 1 FROM sections LIMIT 1')
    if (existing.length > 0) return false
    const { rows: ingredients } = await tx.query<{ id: number; left: number }>(
      'SELECT poster_id AS id, left_total::float8 AS "left" FROM ingredients WHERE NOT deleted ORDER BY poster_id',
    )
    const { rows: suppliers } = await tx.query<{ id: number }>(
      'SELECT poster_id AS id FROM suppliers WHERE NOT deleted ORDER BY poster_id LIMIT 3',
    )
    if (ingredients.length === 0) return false
    const { rows: sections } = await tx.query<{ id: number }>(
      `INSERT INTO sections (restaurant_id, name, position)
       SELECT $1, name, ord::int - 1 FROM unnest($2::text[]) WITH ORDINALITY AS s(name, ord) RETURNING id::int`,
      [restaurantId, SECTIONS],
    )
    const items = ingredients.map((ingredient, i) => {
      const left = Math.max(0, ingredient.left)
      const below = i % 4 === 1
      return {
        sectionId: (sections[i % sections.length] as { id: number }).id,
        ingredientId: ingredient.id,
        supplierId:
          suppliers.length > 0
            ? (suppliers[Math.floor(i / 3) % suppliers.length] as { id: number }).id
            : null,
        parLevel: Math.max(1, Math.ceil(below ? left * 1.5 + 2 : left * 0.7)),
        position: i,
      }
    })
    await tx.query(
      `INSERT INTO checklist_items (restaurant_id, section_id, ingredient_poster_id, supplier_poster_id, par_level, position)
       SELECT $1, x."sectionId", x."ingredientId", x."supplierId", x."parLevel", x.position
       FROM jsonb_to_recordset($2::jsonb) AS x("sectionId" bigint, "ingredientId" int, "supplierId" int, "parLevel" numeric, position int)`,
      [restaurantId, JSON.stringify(items)],
    )
    return true
  })
  if (seeded) await runtime.invalidate(restaurantId, [CHECKLIST_TAG])
  return seeded
}
