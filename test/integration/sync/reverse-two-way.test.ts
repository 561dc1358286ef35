/**
 * Two-way sync during dual writes: forward (monolith -> service) and reverse (service -> monolith) at once, both
 * sides written to, on rows each side owns and on rows both update. Proves that nothing loops back (applied-change
 * counters and row versions stay still once writes stop; a single update does not bounce), that both sides
 * converge row by row, and that conflicts resolve by the documented policy (monolith wins) and are recorded.
 * Forward drops strangler's own transactions through the server (`origin 'none'`), reverse through the decoder.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, queryOnce as query } from '../../harness/databases.ts';
import { forwardTwoWayOptions, runReverseSync } from '../../../src/sync/reverse-sync.ts';
import { runSync, type SyncRunResult } from '../../../src/sync/sync-engine.ts';
import type { SyncEvent } from '../../../src/sync/sync-events.ts';
import { compareDatabases, createSourceSchema, isEqual, prng, SYNC_TABLES, waitForEqual } from './sync-fixture.ts';
import { until } from '../../harness/until.ts';

const DOMAIN = 'twoway';
const dbs: { drop(): Promise<void> }[] = [];
const running: { controller: AbortController; done: Promise<SyncRunResult> }[] = [];

afterAll(async () => {
  for (const r of running) r.controller.abort();
  await Promise.all(running.map((r) => r.done.catch(() => {})));
  for (const d of dbs) await d.drop().catch(() => {});
});

type Side = 'monolith' | 'service';

/**
 * Each side updates, inserts, deletes and re-keys the rows it owns (monolith: even ids, service: odd ids, inserts
 * in their own id ranges) and both update the same hot rows (items 1..20, pairs 1..100).
 */
function startWriter(url: string, side: Side, seed: number) {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  const parity = side === 'monolith' ? 0 : 1;
  const base = side === 'monolith' ? 1_000_000 : 2_000_000;
  let running = true;
  let operations = 0;
  let errors = 0;
  const worker = async (w: number) => {
    const rnd = prng(seed * 17 + w);
    const pick = (n: number) => Math.floor(rnd() * n);
    const own = () => 22 + 2 * pick(980) + parity;
    while (running) {
      const op = pick(10);
      try {
        if (op <= 2) {
          await pool.query(`UPDATE items SET price = price + 1, doc = doc || jsonb_build_object($2::text, $3::int) WHERE id = $1`, [own(), side, operations]);
        } else if (op === 3) {
          await pool.query(
            `INSERT INTO items (id, name, price, at, doc, tags, moods, m, blob, uid, big, ratio)
             VALUES ($1, $2, $3, now(), $4, $5, '{ok}', 'happy', $6, gen_random_uuid(), $7, $8)`,
            [base + w * 100_000 + operations, `${side} ${w}`, (rnd() * 100).toFixed(2), JSON.stringify({ side }), ['x', null], Buffer.from([pick(256)]), rnd() < 0.1 ? 'y'.repeat(4000) : null, rnd()],
          );
        } else if (op === 4) {
          await pool.query(`DELETE FROM items WHERE id = $1`, [own()]);
        } else if (op <= 6) {
          await pool.query(`UPDATE items SET name = $2, ratio = $3 WHERE id = $1`, [1 + pick(20), `${side} ${operations}`, rnd()]);
        } else if (op === 7) {
          await pool.query(`UPDATE pairs SET v = v + 1 WHERE a = $1`, [1 + pick(100)]);
        } else if (op === 8) {
          await pool.query(`UPDATE items SET id = -id, name = name || '!' WHERE id = $1`, [own()]);
        } else {
          const c = await pool.connect();
          try {
            await c.query('BEGIN');
            for (let i = 0; i < 5; i++) await c.query(`UPDATE items SET ratio = ratio + 1 WHERE id = $1`, [own()]);
            await c.query(`UPDATE items SET price = price * 2 WHERE id = $1`, [1 + pick(20)]);
            await c.query('COMMIT');
          } catch (e) {
            await c.query('ROLLBACK').catch(() => {});
            throw e;
          } finally {
            c.release();
          }
        }
        operations++;
      } catch {
        errors++;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  const done = Promise.all([0, 1].map(worker));
  return {
    stop: async () => {
      running = false;
      await done;
      await pool.end();
      return { operations, errors };
    },
  };
}

/** Row versions (xmin) and applied-change counters: they move only when something is written. */
async function activity(monolith: string, service: string) {
  const versions = (url: string) => query(url, `SELECT (SELECT string_agg(xmin::text, ',' ORDER BY id) FROM items) || '/' || (SELECT string_agg(xmin::text, ',' ORDER BY a, b) FROM pairs) AS v`);
  const applied = (url: string, context: string) =>
    query(url, `SELECT coalesce(sum(rows_applied), 0)::bigint::text AS n FROM strangler_sync.checkpoints WHERE context = $1`, [context]);
  const [mv, sv, fwd, rev] = await Promise.all([versions(monolith), versions(service), applied(service, DOMAIN), applied(monolith, `${DOMAIN}:reverse`)]);
  return { monolithVersions: mv.rows[0].v as string, serviceVersions: sv.rows[0].v as string, forwardApplied: Number(fwd.rows[0].n), reverseApplied: Number(rev.rows[0].n) };
}

describe('two-way sync (forward + reverse at once) with loop prevention and monolith-wins conflicts', () => {
  let monolith: string;
  let service: string;
  const events: { forward: SyncEvent[]; reverse: SyncEvent[] } = { forward: [], reverse: [] };

  const startForward = () => {
    const controller = new AbortController();
    const done = runSync({
      context: DOMAIN, sourceUrl: monolith, targetUrl: service, tables: SYNC_TABLES, targetSchema: 'public',
      slot: 'strangler_twoway_fwd', publication: 'strangler_twoway_fwd', batchSize: 200, sequenceSyncMs: 1_000,
      maxRetries: 3, signal: controller.signal, onEvent: (e) => events.forward.push(e),
      ...forwardTwoWayOptions(DOMAIN, 'monolith-wins', (e) => events.forward.push(e)),
    });
    const r = { controller, done };
    running.push(r);
    return r;
  };
  const startReverse = () => {
    const controller = new AbortController();
    const done = runReverseSync({
      domain: DOMAIN, monolithUrl: monolith, serviceUrl: service, tables: SYNC_TABLES, serviceSchema: 'public',
      conflicts: 'monolith-wins', slot: 'strangler_twoway_rev', batchSize: 200, loopPrevention: 'decoder',
      maxRetries: 3, signal: controller.signal, onEvent: (e) => events.reverse.push(e),
    });
    const r = { controller, done };
    running.push(r);
    return r;
  };
  const stop = async (r: { controller: AbortController; done: Promise<SyncRunResult> }) => {
    r.controller.abort();
    return r.done;
  };
  const streaming = (list: SyncEvent[], from = 0) => until('streaming', async () => list.slice(from).some((e) => e.type === 'streaming'));

  beforeAll(async () => {
    const m = await createTestDatabase('twoway_mono');
    const s = await createTestDatabase('twoway_svc');
    dbs.push(m, s);
    monolith = m.url;
    service = s.url;
    await createSourceSchema(monolith, 2000);
  });

  it('refuses to start reverse sync before forward sync streams', async () => {
    await expect(
      runReverseSync({ domain: DOMAIN, monolithUrl: monolith, serviceUrl: service, tables: SYNC_TABLES, serviceSchema: 'public', conflicts: 'monolith-wins', batchSize: 100 }),
    ).rejects.toThrow(/forward sync of twoway is not streaming/);
  });

  it('converges under writes on both sides, and nothing loops back', async () => {
    let forward = startForward();
    await streaming(events.forward);
    let reverse = startReverse();
    await streaming(events.reverse);

    const writers = [startWriter(monolith, 'monolith', 11), startWriter(service, 'service', 12)];
    await new Promise((r) => setTimeout(r, 8_000));
    const [mw, sw] = await Promise.all(writers.map((w) => w.stop()));
    expect(mw!.operations).toBeGreaterThan(200);
    expect(sw!.operations).toBeGreaterThan(200);

    const cmp = await waitForEqual(monolith, service, 60_000);
    expect(cmp).toEqual(cmp.map((c) => ({ ...c, lost: 0, extra: 0, diverged: 0 })));
    // the service's own inserts reached the monolith, and the monolith's the service
    const inserted = await query(monolith, `SELECT count(*) FILTER (WHERE id >= 2000000)::int AS svc, count(*) FILTER (WHERE id BETWEEN 1000000 AND 1999999)::int AS mono FROM items`);
    expect(inserted.rows[0].svc).toBeGreaterThan(0);
    expect(inserted.rows[0].mono).toBeGreaterThan(0);

    // quiet period: a change loop would keep rewriting rows and applying changes
    const before = await activity(monolith, service);
    await new Promise((r) => setTimeout(r, 4_000));
    expect(await activity(monolith, service)).toEqual(before);

    // one update on each side crosses over exactly once and does not bounce back
    await query(monolith, `UPDATE items SET price = 777 WHERE id = 10`);
    await until('monolith update on the service', async () => (await query(service, `SELECT price FROM items WHERE id = 10`)).rows[0]?.price === '777.00');
    await query(service, `UPDATE items SET price = 555 WHERE id = 11`);
    await until('service update on the monolith', async () => (await query(monolith, `SELECT price FROM items WHERE id = 11`)).rows[0]?.price === '555.00');
    const afterPing = await activity(monolith, service);
    expect(afterPing.forwardApplied).toBe(before.forwardApplied + 1);
    expect(afterPing.reverseApplied).toBe(before.reverseApplied + 1);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await activity(monolith, service)).toEqual(afterPing);

    // a conflict: the same row changed on both sides while neither direction runs -> the monolith's row wins
    await stop(reverse);
    await stop(forward);
    await query(monolith, `UPDATE items SET name = 'monolith wins' WHERE id = 5`);
    await query(service, `UPDATE items SET name = 'service loses' WHERE id = 5`);
    const from = { forward: events.forward.length, reverse: events.reverse.length };
    reverse = startReverse();
    forward = startForward();
    await Promise.all([streaming(events.forward, from.forward), streaming(events.reverse, from.reverse)]);
    expect(isEqual(await waitForEqual(monolith, service, 30_000))).toBe(true);
    expect((await query(service, `SELECT name FROM items WHERE id = 5`)).rows[0].name).toBe('monolith wins');
    const recorded = await query(monolith, `SELECT table_name, row_key, op FROM strangler_sync.conflicts WHERE context = $1 AND row_key = 'id=5' ORDER BY id DESC LIMIT 1`, [`${DOMAIN}:reverse`]);
    expect(recorded.rows[0]).toEqual({ table_name: 'public.items', row_key: 'id=5', op: 'update' });
    expect(events.reverse.some((e) => e.type === 'conflicts' && e.winner === 'monolith')).toBe(true);

    const results = [await stop(reverse), await stop(forward)];
    expect(results.map((r) => r.stoppedBy)).toEqual(['signal', 'signal']);
    expect(isEqual(await compareDatabases(monolith, service))).toBe(true);
  });
});
