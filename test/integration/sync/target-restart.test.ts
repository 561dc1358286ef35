/**
 * Fault: the service database restarts mid-stream (its own embedded PostgreSQL, stopped and started again under
 * a concurrent write workload). The engine retries with backoff, says so in one line, resumes from the position
 * recorded in the service database (no new slot, no new backfill), and ends equal: nothing lost, nothing doubled.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, urlFor } from '../../harness/databases.ts';
import { startDedicatedPostgres, type DedicatedPostgres } from '../../harness/postgres-server.ts';
import { syncEventPrinter } from '../../../src/report/sync-text.ts';
import { runSync } from '../../../src/sync/sync-engine.ts';
import type { SyncEvent } from '../../../src/sync/sync-events.ts';
import { createSourceSchema, isEqual, startWorkload, SYNC_TABLES, waitForEqual } from './sync-fixture.ts';
import { until } from '../../harness/until.ts';

let own: DedicatedPostgres | undefined;
const dbs: { drop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const d of dbs) await d.drop().catch(() => {});
  await own?.destroy();
});

describe('sync direct: the service database restarts mid-stream', () => {
  let source: string;
  let target: string;
  beforeAll(async () => {
    const s = await createTestDatabase('restart_src');
    dbs.push(s);
    source = s.url;
    await createSourceSchema(source, 5000);
    own = await startDedicatedPostgres();
    const admin = new pg.Client({ connectionString: own.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE service');
    await admin.end();
    target = urlFor('service', own.adminUrl);
  });

  it('retries with backoff, prints why, resumes from its checkpoint and ends equal', async () => {
    const events: SyncEvent[] = [];
    const lines: string[] = [];
    const print = syncEventPrinter((s) => lines.push(s), { summaryEveryMs: 0 });
    const controller = new AbortController();
    const run = runSync({
      context: 'catalog', sourceUrl: source, targetUrl: target, tables: SYNC_TABLES, targetSchema: 'public',
      slot: 'strangler_restart_t', publication: 'strangler_restart_t', batchSize: 100, maxRetryDelayMs: 2_000,
      signal: controller.signal, onEvent: (e) => (events.push(e), print(e)),
    });
    let failed: unknown;
    run.catch((e) => (failed = e));
    const workload = startWorkload(source, { seed: 99, clients: 2, pauseMs: 2 });
    try {
      await until('streaming with changes applied', () => events.filter((e) => e.type === 'applied').length >= 5);
      await own!.stopServer();
      await until('a retry', () => events.some((e) => e.type === 'retry'));
      await new Promise((r) => setTimeout(r, 3_000)); // down for a while: several attempts fail
      await own!.startServer();
      const resumedAt = events.length;
      await until('streaming again', () => events.slice(resumedAt).some((e) => e.type === 'applied'));
      await new Promise((r) => setTimeout(r, 2_000));
    } finally {
      const w = await workload.stop();
      expect(w.operations).toBeGreaterThan(100);
    }
    const cmp = await waitForEqual(source, target, 90_000);
    controller.abort();
    const result = await run;
    expect(failed).toBeUndefined();
    expect(cmp).toEqual(cmp.map((c) => ({ ...c, lost: 0, extra: 0, diverged: 0 })));
    expect(isEqual(cmp)).toBe(true);
    expect(result.stoppedBy).toBe('signal');

    const retries = events.filter((e): e is Extract<SyncEvent, { type: 'retry' }> => e.type === 'retry');
    expect(retries.length).toBeGreaterThanOrEqual(2);
    // backoff: the delays grow while the database stays down
    expect(retries[1]!.delayMs).toBeGreaterThan(retries[0]!.delayMs);
    expect(lines.some((l) => /retrying in \d+\.\d s \(attempt 1\): .+/.test(l)), lines.join('')).toBe(true);
    // one slot, one backfill: the second run resumed from the recorded position
    expect(events.filter((e) => e.type === 'slot-created')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'backfill-done')).toHaveLength(1);
    const resumed = events.filter((e): e is Extract<SyncEvent, { type: 'streaming' }> => e.type === 'streaming');
    expect(resumed.length).toBeGreaterThanOrEqual(2);
    expect(resumed.at(-1)!.from).not.toBe('0/0#0');
  });
});
