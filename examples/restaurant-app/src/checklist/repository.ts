import type { TenantDb } from '@rc/tenant-db'
import type { z } from 'zod'
import type { checklistItem, itemBody, itemPatch, section, sectionBody, sectionPatch } from './schemas'

type Section = z.output<typeof section>
type ChecklistItem = z.output<typeof checklistItem>
/** An item with its ingredient, supplier and the stock now, per storage and in all. */
export type CountedItem = ChecklistItem & {
  name: string
  unit: string | null
  supplierName: string | null
  stock: Array<{ storageId: number; quantity: number }>
  left: number
}

export async function listSections(db: TenantDb, restaurantId: string): Promise<Section[]> {
  const { rows } = await db.query<Section>(
    restaurantId,
    'SELECT id::int, name, position FROM sections ORDER BY position, id',
  )
  return rows
}

export async function listItems(db: TenantDb, restaurantId: string): Promise<CountedItem[]> {
  const { rows } = await db.query<CountedItem>(
    restaurantId,
    `SELECT c.id::int, c.section_id::int AS "sectionId", c.ingredient_poster_id AS "ingredientId", i.name, i.unit,
              c.supplier_poster_id AS "supplierId", sp.name AS "supplierName", c.par_level::float8 AS "parLevel",
              c.position, coalesce(st.stock, '[]'::json) AS stock, coalesce(st.total, i.left_total)::float8 AS "left"
       FROM checklist_items c
       JOIN ingredients i ON i.restaurant_id = c.restaurant_id AND i.poster_id = c.ingredient_poster_id
       LEFT JOIN suppliers sp ON sp.restaurant_id = c.restaurant_id AND sp.poster_id = c.supplier_poster_id
       LEFT JOIN LATERAL (
         SELECT sum(s.quantity) AS total,
                json_agg(json_build_object('storageId', s.storage_poster_id, 'quantity', s.quantity::float8)
                         ORDER BY s.storage_poster_id) AS stock
         FROM stock_levels s WHERE s.restaurant_id = c.restaurant_id AND s.ingredient_poster_id = c.ingredient_poster_id
       ) st ON true
       ORDER BY c.position, c.id`,
  )
  return rows
}

/** The storages stock is counted in (live ones), and when stock was last synced. */
export async function listStorages(
  db: TenantDb,
  restaurantId: string,
): Promise<{ storages: Array<{ id: number; name: string }>; stockSyncedAt: Date | null }> {
  const { rows } = await db.query<{
    storages: Array<{ id: number; name: string }>
    stockSyncedAt: Date | null
  }>(
    restaurantId,
    `SELECT coalesce((SELECT json_agg(json_build_object('id', poster_id, 'name', name) ORDER BY poster_id)
                      FROM storages WHERE NOT deleted), '[]'::json) AS storages,
            (SELECT max(synced_at) FROM stock_levels) AS "stockSyncedAt"`,
  )
  return rows[0] ?? { storages: [], stockSyncedAt: null }
}

// Writes fail with the database's codes (23505 duplicate, 23503 unknown reference): the routes answer them.

export async function createSection(
  db: TenantDb,
  restaurantId: string,
  input: z.output<typeof sectionBody>,
): Promise<Section> {
  const { rows } = await db.query<Section>(
    restaurantId,
    'INSERT INTO sections (restaurant_id, name, position) VALUES ($1, $2, $3) RETURNING id::int, name, position',
    [restaurantId, input.name, input.position],
  )
  return rows[0] as Section
}

/** Undefined when there is no such section. */
export async function updateSection(
  db: TenantDb,
  restaurantId: string,
  id: number,
  patch: z.output<typeof sectionPatch>,
): Promise<Section | undefined> {
  const { rows } = await db.query<Section>(
    restaurantId,
    `UPDATE sections SET name = coalesce($2, name), position = coalesce($3, position) WHERE id = $1
           RETURNING id::int, name, position`,
    [id, patch.name ?? null, patch.position ?? null],
  )
  return rows[0]
}

/** Its items go with it; false when there is no such section. */
export async function deleteSection(db: TenantDb, restaurantId: string, id: number): Promise<boolean> {
  const { rowCount } = await db.query(restaurantId, 'DELETE FROM sections WHERE id = $1', [id])
  return Boolean(rowCount)
}

export async function createItem(
  db: TenantDb,
  restaurantId: string,
  input: z.output<typeof itemBody>,
): Promise<ChecklistItem> {
  const { rows } = await db.query<ChecklistItem>(
    restaurantId,
    `INSERT INTO checklist_items (restaurant_id, section_id, ingredient_poster_id, supplier_poster_id, par_level, position)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING id::int, section_id::int AS "sectionId", ingredient_poster_id AS "ingredientId",
                   supplier_poster_id AS "supplierId", par_level::float8 AS "parLevel", position`,
    [restaurantId, input.sectionId, input.ingredientId, input.supplierId, input.parLevel, input.position],
  )
  return rows[0] as ChecklistItem
}

/** A `supplierId` left out keeps the supplier; `null` clears it. Undefined when there is no such item. */
export async function updateItem(
  db: TenantDb,
  restaurantId: string,
  id: number,
  patch: z.output<typeof itemPatch>,
): Promise<ChecklistItem | undefined> {
  const { rows } = await db.query<ChecklistItem>(
    restaurantId,
    `UPDATE checklist_items SET par_level = coalesce($2, par_level), position = coalesce($3, position),
             supplier_poster_id = CASE WHEN $4 THEN $5 ELSE supplier_poster_id END
           WHERE id = $1
           RETURNING id::int, section_id::int AS "sectionId", ingredient_poster_id AS "ingredientId",
                     supplier_poster_id AS "supplierId", par_level::float8 AS "parLevel", position`,
    [
      id,
      patch.parLevel ?? null,
      patch.position ?? null,
      patch.supplierId !== undefined,
      patch.supplierId ?? null,
    ],
  )
  return rows[0]
}

/** False when there is no such item. */
export async function deleteItem(db: TenantDb, restaurantId: string, id: number): Promise<boolean> {
  const { rowCount } = await db.query(restaurantId, 'DELETE FROM checklist_items WHERE id = $1', [id])
  return Boolean(rowCount)
}
