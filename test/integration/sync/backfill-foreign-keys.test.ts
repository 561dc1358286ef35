/**
 * Backfill into target tables linked by foreign keys, as `strangler extract`'s migrations create them: the tables are
 * emptied in one TRUNCATE (one by one, PostgreSQL refuses to truncate a referenced table) and loaded parents first
 * (the child tables' names sort before their parents' here, so an alphabetical load would break the checks); a
 * reference cycle is loaded with the checks off. A second backfill over filled tables works too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, queryOnce as query } from '../../harness/databases.ts';
import { loadOrder } from '../../../src/sync/backfill.ts';
import { runSync } from '../../../src/sync/sync-engine.ts';
import type { SyncEvent } from '../../../src/sync/sync-events.ts';
import type { TableDefinition } from '../../../src/sync/table-definition.ts';

const SCHEMA = `
  CREATE TABLE z_brands (id bigint PRIMARY KEY, name text NOT NULL);
  CREATE TABLE y_products (id bigint PRIMARY KEY, brand_id bigint NOT NULL REFERENCES z_brands (id), name text NOT NULL);
  CREATE TABLE x_reviews (id bigint PRIMARY KEY, product_id bigint NOT NULL REFERENCES y_products (id), stars int NOT NULL);
  CREATE TABLE w_categories (id bigint PRIMARY KEY, parent_id bigint REFERENCES w_categories (id), name text NOT NULL);
  CREATE TABLE v_left (id bigint PRIMARY KEY, right_id bigint);
  CREATE TABLE u_right (id bigint PRIMARY KEY, left_id bigint REFERENCES v_left (id) DEFERRABLE INITIALLY DEFERRED);
  ALTER TABLE v_left ADD FOREIGN KEY (right_id) REFERENCES u_right (id) DEFERRABLE INITIALLY DEFERRED;
`;
const TABLES = ['x_reviews', 'y_products', 'z_brands', 'w_categories', 'v_left', 'u_right'];

const dbs: { drop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const d of dbs) await d.drop().catch(() => {});
});

async function backfillOnce(source: string, target: string, slot: string): Promise<SyncEvent[]> {
  const controller = new AbortController();
  const events: SyncEvent[] = [];
  let done: () => void;
  const backfilled = new Promise<void>((resolve) => (done = resolve));
  const run = runSync({
    context: slot,
    sourceUrl: source,
    targetUrl: target,
    tables: TABLES,
    targetSchema: 'public',
    slot,
    publication: slot,
    signal: controller.signal,
    batchSize: 200,
    backfillConcurrency: 3,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'backfill-done') done();
    },
  });
  await Promise.race([backfilled, run]);
  controller.abort();
  await run;
  return events;
}

describe('backfill into tables with foreign keys', () => {
  let source: string;
  let target: string;
  beforeAll(async () => {
    const s = await createTestDatabase('bf_fk_src');
    const t = await createTestDatabase('bf_fk_tgt');
    dbs.push(s, t);
    source = s.url;
    target = t.url;
    await query(source, SCHEMA);
    await query(target, SCHEMA);
    await query(
      source,
      `INSERT INTO z_brands SELECT g, 'brand ' || g FROM generate_series(1, 50) g;
       INSERT INTO y_products SELECT g, 1 + g % 50, 'product ' || g FROM generate_series(1, 2000) g;
       INSERT INTO x_reviews SELECT g, 1 + g % 2000, 1 + g % 5 FROM generate_series(1, 5000) g;
       INSERT INTO w_categories VALUES (1, NULL, 'root');
       INSERT INTO w_categories SELECT g, g - 1, 'category ' || g FROM generate_series(2, 300) g;
       BEGIN; INSERT INTO v_left VALUES (1, 1); INSERT INTO u_right VALUES (1, 1); COMMIT;`,
    );
  });

  it('loads every table, twice over, with the foreign keys checked where they can be', async () => {
    for (const slot of ['strangler_bf_fk_1', 'strangler_bf_fk_2']) {
      const events = await backfillOnce(source, target, slot);
      const loaded = events.flatMap((e) => (e.type === 'backfill-table' ? [e.table.replace(/^public\./, '')] : []));
      expect([...loaded].sort()).toEqual([...TABLES].sort());
      // parents before children
      expect(loaded.indexOf('z_brands')).toBeLessThan(loaded.indexOf('y_products'));
      expect(loaded.indexOf('y_products')).toBeLessThan(loaded.indexOf('x_reviews'));
      for (const t of TABLES) {
        const [s, g] = await Promise.all([query(source, `SELECT count(*)::int AS n FROM ${t}`), query(target, `SELECT count(*)::int AS n FROM ${t}`)]);
        expect(g.rows[0].n, t).toBe(s.rows[0].n);
      }
    }
    // the constraints are still there and still enforced
    await expect(query(target, 'INSERT INTO x_reviews VALUES (999999, 424242, 1)')).rejects.toThrow(/foreign key/);
  }, 120_000);
});

describe('load order', () => {
  const def = (table: string) => ({ definition: { schema: 'public', table } as TableDefinition, target: table });
  it('hands out a child only once its parents are loaded, and cycles with the checks off', async () => {
    const tables = ['a', 'b', 'c', 'd', 'e'].map(def);
    const order = loadOrder(tables, new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['d', new Set(['e'])], ['e', new Set(['d'])]]));
    const first = await order.take();
    expect(first?.target).toBe('c');
    const second = await order.take();
    expect(second).toMatchObject({ target: 'd', cyclic: true });
    const third = await order.take();
    expect(third).toMatchObject({ target: 'e', cyclic: true });
    // 'b' waits for 'c'
    let b: string | undefined;
    const waiting = order.take().then((t) => (b = t?.target));
    await new Promise((r) => setTimeout(r, 20));
    expect(b).toBeUndefined();
    order.done(first!);
    await waiting;
    expect(b).toBe('b');
    order.fail();
    expect(await order.take()).toBeUndefined();
  });
});
