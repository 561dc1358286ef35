import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, queryOnce as query } from '../../harness/databases.ts';
import { runSync } from '../../../src/sync/sync-engine.ts';
import type { SyncEvent } from '../../../src/sync/sync-events.ts';
import { compareDatabases, createSourceSchema, isEqual, startWorkload, SYNC_TABLES, waitForEqual } from './sync-fixture.ts';

const dbs: { drop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const d of dbs) await d.drop().catch(() => {});
});

describe('sync direct: backfill + streaming under a concurrent workload', () => {
  let source: string;
  let target: string;
  beforeAll(async () => {
    const s = await createTestDatabase('sync_src');
    const t = await createTestDatabase('sync_tgt');
    dbs.push(s, t);
    source = s.url;
    target = t.url;
    await createSourceSchema(source, 3000);
  });

  it('ends with the service equal to the monolith, row by row, with every type', async () => {
    const workload = startWorkload(source, { seed: 7 });
    const controller = new AbortController();
    const events: SyncEvent[] = [];
    const run = runSync({
      context: 'catalog',
      sourceUrl: source,
      targetUrl: target,
      tables: SYNC_TABLES,
      targetSchema: 'public',
      slot: 'strangler_catalog_t1',
      publication: 'strangler_catalog_t1',
      batchSize: 200,
      signal: controller.signal,
      sequenceSyncMs: 1_000,
      onEvent: (e) => events.push(e),
    });
    let failed: unknown;
    run.catch((e) => (failed = e));
    await new Promise((r) => setTimeout(r, 6_000));
    const w = await workload.stop();
    expect(w.operations).toBeGreaterThan(100);
    // a TRUNCATE-free quiet period: everything written must arrive
    const cmp = await waitForEqual(source, target, 60_000);
    expect(failed).toBeUndefined();
    expect(cmp).toEqual(cmp.map((c) => ({ ...c, lost: 0, extra: 0, diverged: 0 })));
    expect(cmp.find((c) => c.table === 'items')!.sourceRows).toBeGreaterThan(2000);

    // a new change after catch-up still arrives, incl. a TOASTed value left unchanged and a truncate
    await query(source, `UPDATE items SET price = 1.5 WHERE big IS NOT NULL`);
    await query(source, `TRUNCATE log_lines`);
    await query(source, `INSERT INTO log_lines VALUES ('after truncate', 1)`);
    expect(isEqual(await waitForEqual(source, target, 30_000))).toBe(true);
    const toasted = await query(target, `SELECT count(*)::int AS n FROM items WHERE big IS NOT NULL AND price = 1.5`);
    expect(toasted.rows[0].n).toBeGreaterThan(0);

    // sequences were moved past the source's
    await new Promise((r) => setTimeout(r, 1_500));
    const [s, t] = await Promise.all([
      query(source, `SELECT last_value::bigint AS v FROM items_id_seq`),
      query(target, `SELECT last_value::bigint AS v FROM items_id_seq`),
    ]);
    expect(Number(t.rows[0].v)).toBeGreaterThanOrEqual(Number(s.rows[0].v));

    controller.abort();
    const result = await run;
    expect(result.stoppedBy).toBe('signal');
    expect(events.some((e) => e.type === 'backfill-done')).toBe(true);
    expect(events.some((e) => e.type === 'streaming')).toBe(true);
    const slot = await query(source, `SELECT active, confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = 'strangler_catalog_t1'`);
    expect(slot.rows[0].active).toBe(false);
    const cp = await query(target, `SELECT commit_lsn::text, index_in_txn, rows_applied FROM strangler_sync.checkpoints WHERE context = 'catalog'`);
    expect(Number(cp.rows[0].rows_applied)).toBeGreaterThan(0);
  });

  it('created the service tables from the source definitions (types, keys, indexes)', async () => {
    const cols = await query(
      target,
      `SELECT column_name, udt_name FROM information_schema.columns WHERE table_name = 'items' ORDER BY ordinal_position`,
    );
    expect(cols.rows.map((r) => `${r.column_name}:${r.udt_name}`)).toEqual([
      'id:int8', 'name:text', 'price:numeric', 'at:timestamptz', 'doc:jsonb', 'tags:_text', 'moods:_mood', 'm:mood', 'blob:bytea', 'uid:uuid', 'big:text', 'ratio:float8',
    ]);
    const idx = await query(target, `SELECT indexname FROM pg_indexes WHERE tablename = 'items' ORDER BY 1`);
    expect(idx.rows.map((r) => r.indexname)).toEqual(['items_name_idx', 'items_pkey']);
    const pk = await query(target, `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'pairs'::regclass AND i.indisprimary ORDER BY 1`);
    expect(pk.rows.map((r) => r.attname)).toEqual(['a', 'b']);
  });

  it('restarting resumes from the checkpoint without a new backfill and without duplicates', async () => {
    await query(source, `INSERT INTO log_lines VALUES ('while stopped', 2), ('while stopped', 2)`);
    const controller = new AbortController();
    const events: SyncEvent[] = [];
    const run = runSync({
      context: 'catalog', sourceUrl: source, targetUrl: target, tables: SYNC_TABLES, targetSchema: 'public',
      slot: 'strangler_catalog_t1', publication: 'strangler_catalog_t1', batchSize: 100, signal: controller.signal,
      onEvent: (e) => events.push(e),
    });
    const cmp = await waitForEqual(source, target, 30_000);
    controller.abort();
    await run;
    expect(isEqual(cmp)).toBe(true);
    expect(events.some((e) => e.type === 'slot-created')).toBe(false);
    expect(await compareDatabases(source, target)).toEqual(cmp);
  });
});
