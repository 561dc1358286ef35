/**
 * Faults and bad input for direct sync, against a real PostgreSQL: a table without a primary key (refused before
 * anything is created, with the fix), a slot already in use, a schema change on the monolith mid-stream (paused,
 * not corrupted, resumed once the service has the column), and a change the service database refuses (the sync
 * stops with the table and key, acknowledges nothing past it, and loses nothing once the service is fixed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, queryOnce as sql } from '../../harness/databases.ts';
import { runSync, type SyncEngineOptions } from '../../../src/sync/sync-engine.ts';
import { PreflightError, SlotInUseError } from '../../../src/sync/source-setup.ts';
import type { SyncEvent } from '../../../src/sync/sync-events.ts';
import { EnvironmentError, ExitCode } from '../../../src/errors.ts';
import { until } from '../../harness/until.ts';

const dbs: { drop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const d of dbs) await d.drop().catch(() => {});
});

async function pair(name: string, schema: string) {
  const s = await createTestDatabase(`${name}_src`);
  const t = await createTestDatabase(`${name}_tgt`);
  dbs.push(s, t);
  await sql(s.url, schema);
  return { source: s.url, target: t.url };
}

const base = (source: string, target: string, slot: string, tables: string[]): SyncEngineOptions => ({
  context: slot,
  sourceUrl: source,
  targetUrl: target,
  tables,
  targetSchema: 'public',
  slot,
  publication: slot,
  batchSize: 50,
  maxRetries: 0,
});

describe('sync faults', () => {
  it('refuses a table without a primary key or replica identity, naming the fix, before creating anything', async () => {
    const { source, target } = await pair('nopk', `CREATE TABLE notes (body text); INSERT INTO notes VALUES ('a')`);
    const error = await runSync(base(source, target, 'strangler_nopk', ['notes'])).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightError);
    expect((error as PreflightError).exitCode).toBe(ExitCode.environment);
    expect((error as Error).message).toMatch(/public\.notes has no primary key/);
    expect((error as Error).message).toMatch(/REPLICA IDENTITY FULL/);
    expect((await sql(source, `SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name = 'strangler_nopk'`)).rows[0].n).toBe(0);
    expect((await sql(target, `SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'notes'`)).rows[0].n).toBe(0);
  });

  describe('while streaming', () => {
    let source: string;
    let target: string;
    const events: SyncEvent[] = [];
    const controller = new AbortController();
    let run: Promise<unknown>;
    let failed: unknown;
    beforeAll(async () => {
      ({ source, target } = await pair('live', `CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 100) g`));
      run = runSync({ ...base(source, target, 'strangler_live', ['items']), maxRetries: undefined, signal: controller.signal, onEvent: (e) => events.push(e) });
      run.catch((e) => (failed = e));
      await until('streaming', () => events.some((e) => e.type === 'streaming'));
    });
    afterAll(async () => {
      controller.abort();
      await run.catch(() => {});
    });

    it('a second sync on the same slot is refused as an environment problem (exit 3) with what to do', async () => {
      const error = await runSync({ ...base(source, target, 'strangler_live', ['items']), slotWaitMs: 500 }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(SlotInUseError);
      expect((error as SlotInUseError).exitCode).toBe(ExitCode.environment);
      expect((error as Error).message).toMatch(/replication slot strangler_live is in use/);
      expect(failed).toBeUndefined();
    });

    it('pauses on a column the service lacks, applies nothing wrong meanwhile, and resumes once it is added', async () => {
      await sql(source, `ALTER TABLE items ADD COLUMN colour text`);
      await sql(source, `INSERT INTO items VALUES (101, 'n101', 'red')`);
      await until('paused', () => events.some((e) => e.type === 'paused'));
      const paused = events.find((e): e is Extract<SyncEvent, { type: 'paused' }> => e.type === 'paused')!;
      expect(paused.reason).toMatch(/colour/);
      expect((await sql(target, `SELECT count(*)::int AS n FROM items WHERE id = 101`)).rows[0].n).toBe(0);
      await sql(target, `ALTER TABLE items ADD COLUMN colour text`);
      await until('resumed', () => events.some((e) => e.type === 'resumed'));
      await until('row 101 applied', async () => (await sql(target, `SELECT colour FROM items WHERE id = 101`)).rows[0]?.colour === 'red');
      expect(failed).toBeUndefined();
    });
  });

  it('stops on a change the service refuses, naming table and key, acknowledges nothing past it, and loses nothing', async () => {
    const { source, target } = await pair('refused', `CREATE TABLE items (id int PRIMARY KEY, qty int); INSERT INTO items SELECT g, g FROM generate_series(1, 20) g`);
    const events: SyncEvent[] = [];
    const first = runSync({ ...base(source, target, 'strangler_refused', ['items']), onEvent: (e) => events.push(e) });
    let failure: unknown;
    first.catch((e) => (failure = e));
    await until('streaming', () => events.some((e) => e.type === 'streaming'));
    await sql(target, `ALTER TABLE items ADD CONSTRAINT qty_small CHECK (qty < 1000)`);
    const lsnBefore = (await sql(source, `SELECT pg_current_wal_lsn()::text AS lsn`)).rows[0].lsn as string;
    await sql(source, `BEGIN; UPDATE items SET qty = 5 WHERE id = 1; UPDATE items SET qty = 5000 WHERE id = 2; COMMIT;`);
    await until('the sync to stop', () => failure !== undefined);
    expect(failure).toBeInstanceOf(EnvironmentError);
    expect((failure as Error).message).toMatch(/public\.items \(id=2\)/);
    expect((failure as Error).message).toMatch(/qty_small/);
    // nothing of that transaction was applied, and the slot was not moved past it
    expect((await sql(target, `SELECT qty FROM items WHERE id IN (1, 2) ORDER BY id`)).rows.map((r) => r.qty)).toEqual([1, 2]);
    const slot = await sql(source, `SELECT confirmed_flush_lsn <= $1::pg_lsn AS kept FROM pg_replication_slots WHERE slot_name = 'strangler_refused'`, [lsnBefore]);
    expect(slot.rows[0].kept).toBe(true);
    // once the service accepts it, a restart applies the whole transaction
    await sql(target, `ALTER TABLE items DROP CONSTRAINT qty_small`);
    const controller = new AbortController();
    const again = runSync({ ...base(source, target, 'strangler_refused', ['items']), signal: controller.signal });
    await until('the change to arrive', async () => (await sql(target, `SELECT qty FROM items WHERE id = 2`)).rows[0].qty === 5000);
    expect((await sql(target, `SELECT qty FROM items WHERE id = 1`)).rows[0].qty).toBe(5);
    controller.abort();
    await again;
  });
});
