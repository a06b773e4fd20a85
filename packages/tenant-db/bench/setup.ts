import { applyTenantRls } from '../src/migrate'
import { createTenantFixture, type TenantFixture } from '../test/support/database'

/** A throwaway database with a random app role, dropped (role included) by `destroy`. */
export type BenchDatabase = TenantFixture

// The tests' fixture, with room for the benches' concurrent setup queries.
export const benchDatabase = (label: string) => createTenantFixture(label, { adminPoolSize: 16 })

/** `rows` rows spread over `tenants` tenants, indexed by tenant, under tenant RLS. */
export async function seedTable(
  bench: BenchDatabase,
  table: string,
  rows: number,
  tenants: number,
): Promise<void> {
  await bench.admin.query(`
    CREATE TABLE ${table} (restaurant_id bigint NOT NULL, id bigint NOT NULL, amount int NOT NULL,
                           PRIMARY KEY (restaurant_id, id));
    INSERT INTO ${table} SELECT (i % ${tenants}) + 1, i, i % 97 FROM generate_series(1, ${rows}) AS i;
    ANALYZE ${table};`)
  await applyTenantRls(bench.admin, { tables: [table], column: 'restaurant_id', role: bench.role })
}
