import type { Runtime } from '../runtime'
import { listItems, listSections, listStorages } from './repository'
import type { Checklist } from './schemas'

/** Tag of the cached checklist: dropped by every section or item write (and by syncs, as `inventory`). */
export const CHECKLIST_TAG = 'checklist'

/**
 * Sections with their items, stock per storage and what to order (par level minus stock, never below
 * zero), cached per restaurant until a sync or a checklist write. The API and the staff UI both read it.
 */
export async function loadChecklist(runtime: Runtime, restaurantId: string): Promise<Checklist> {
  const loaded = await runtime.cached(restaurantId, 'checklist', ['inventory', CHECKLIST_TAG], async () => {
    const db = runtime.db.tenant
    const sections = await listSections(db, restaurantId)
    const items = await listItems(db, restaurantId)
    const { storages, stockSyncedAt } = await listStorages(db, restaurantId)
    const bySection = new Map<number, Checklist['sections'][number]['items']>()
    for (const item of items) {
      const suggestedOrder = Math.max(0, Math.round((item.parLevel - item.left) * 1000) / 1000)
      const list = bySection.get(item.sectionId) ?? []
      list.push({ ...item, low: item.left < item.parLevel, suggestedOrder })
      bySection.set(item.sectionId, list)
    }
    return {
      storages,
      stockSyncedAt: stockSyncedAt ? new Date(stockSyncedAt).toISOString() : null,
      sections: sections.map((s) => ({ ...s, items: bySection.get(s.id) ?? [] })),
    }
  })
  // Cached as JSON: the date comes back as text.
  return { ...loaded, stockSyncedAt: loaded.stockSyncedAt ? new Date(loaded.stockSyncedAt) : null }
}
