import type { PosterClient } from '@rc/poster-client'
import type { SyncScope } from '../jobs/queue'

/** The Poster lists a sync copies into a table of the same name (stock is the one that is not a list). */
export type ListScope = Exclude<SyncScope, 'stock'>

/** A row as `upsert` writes it: the columns of `ListSpec.columns`, keyed by Poster's id. */
export type ListRow = { poster_id: number } & Record<string, unknown>

export interface ListSpec<T = unknown> {
  fetch(poster: PosterClient): Promise<T[]>
  /** Table columns and their SQL types, as `jsonb_to_recordset` reads the rows. */
  columns: Record<string, string>
  row(item: T): ListRow
}

// Typed where it is written, erased in the table below.
const list = <T>(spec: ListSpec<T>) => spec as unknown as ListSpec
const flag = (value: number | undefined) => value === 1

/** How each Poster list maps onto its table. */
export const LISTS: Record<ListScope, ListSpec> = {
  storages: list({
    fetch: (poster) => poster.storage.getStorages(),
    columns: { poster_id: 'int', name: 'text', address: 'text', deleted: 'boolean' },
    row: (s) => ({
      poster_id: s.storage_id,
      name: s.storage_name,
      address: s.storage_adress ?? null,
      deleted: flag(s.delete),
    }),
  }),
  suppliers: list({
    fetch: (poster) => poster.storage.getSuppliers(),
    columns: {
      poster_id: 'int',
      name: 'text',
      phone: 'text',
      address: 'text',
      comment: 'text',
      tin: 'text',
      deleted: 'boolean',
    },
    row: (s) => ({
      poster_id: s.supplier_id,
      name: s.supplier_name,
      phone: s.supplier_phone ?? null,
      address: s.supplier_adress ?? null,
      comment: s.supplier_comment ?? null,
      tin: s.supplier_tin ?? null,
      deleted: flag(s.delete),
    }),
  }),
  categories: list({
    fetch: (poster) => poster.menu.getCategories(),
    columns: {
      poster_id: 'int',
      name: 'text',
      parent_poster_id: 'int',
      hidden: 'boolean',
      sort_order: 'int',
      deleted: 'boolean',
    },
    row: (c) => ({
      poster_id: c.category_id,
      name: c.category_name,
      parent_poster_id: c.parent_category ? c.parent_category : null,
      hidden: flag(c.category_hidden),
      sort_order: c.sort_order ?? 0,
      deleted: false,
    }),
  }),
  ingredients: list({
    fetch: (poster) => poster.menu.getIngredients(),
    columns: {
      poster_id: 'int',
      name: 'text',
      unit: 'text',
      category_poster_id: 'int',
      limit_value: 'numeric',
      left_total: 'numeric',
      hidden: 'boolean',
      deleted: 'boolean',
    },
    row: (i) => ({
      poster_id: i.ingredient_id,
      name: i.ingredient_name,
      unit: i.ingredient_unit ?? null,
      category_poster_id: i.category_id ?? null,
      limit_value: i.limit_value ?? 0,
      left_total: i.ingredient_left ?? 0,
      hidden: flag(i.hidden),
      deleted: flag(i.delete),
    }),
  }),
  products: list({
    fetch: (poster) => poster.menu.getProducts(),
    columns: {
      poster_id: 'int',
      name: 'text',
      category_poster_id: 'int',
      type: 'int',
      unit: 'text',
      cost_kopecks: 'bigint',
      hidden: 'boolean',
      deleted: 'boolean',
    },
    row: (p) => ({
      poster_id: p.product_id,
      name: p.product_name,
      category_poster_id: p.menu_category_id ?? null,
      type: p.type ?? null,
      unit: p.unit ?? null,
      cost_kopecks: p.cost === undefined ? null : Math.round(p.cost),
      hidden: flag(p.hidden),
      deleted: false,
    }),
  }),
}
