import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvironmentError } from '../../../src/errors.ts';
import { waitForSync } from '../../../src/parity/wait-sync.ts';
import { createTestDatabase, queryOnce as sql } from '../../harness/databases.ts';

type Db = Awaited<ReturnType<typeof createTestDatabase>>;

// The checkpoint table as strangler sync writes it (src/sync/checkpoint-store.ts).
const stateDdl = `CREATE SCHEMA strangler_sync;
  CREATE TABLE strangler_sync.checkpoints (context text NOT NULL, stream text NOT NULL DEFAULT '', commit_lsn pg_lsn NOT NULL,
    index_in_txn integer NOT NULL, end_lsn pg_lsn, commit_time timestamptz, rows_applied bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (context, stream))`;

describe('--wait-sync (real PostgreSQL)', () => {
  let source: Db;
  let target: Db;
  beforeAll(async () => {
    source = await createTestDatabase('ws_src');
    target = await createTestDatabase('ws_tgt');
  });
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  it('without sync state it does not wait and says so', async () => {
    const r = await waitForSync({ source: source.url, target: target.url, context: 'catalog', timeoutSeconds: 5 });
    expect(r.waited).toBe(false);
    expect(r.warnings[0]).toContain('--wait-sync: no sync state for catalog');
  });

  it('waits until the checkpoint in the target reaches the source WAL position, and times out when it does not', async () => {
    await sql(target.url, stateDdl);
    await sql(target.url, `INSERT INTO strangler_sync.checkpoints (context, commit_lsn, index_in_txn) VALUES ('catalog', '0/1', 0)`);
    const behind = await waitForSync({ source: source.url, target: target.url, context: 'catalog', timeoutSeconds: 0.3, pollMs: 50 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(behind).toBeInstanceOf(EnvironmentError);
    expect((behind as EnvironmentError).message).toMatch(/did not catch up within 0.3 s \(applied 0\/1, source at [0-9A-F]+\/[0-9A-F]+\)$/);

    const waiting = waitForSync({ source: source.url, target: target.url, context: 'catalog', timeoutSeconds: 30, pollMs: 50 });
    await new Promise((r) => setTimeout(r, 150));
    const { rows } = await sql(source.url, `SELECT pg_current_wal_lsn()::text AS lsn`);
    await sql(target.url, `UPDATE strangler_sync.checkpoints SET commit_lsn = $1::pg_lsn, end_lsn = $1::pg_lsn WHERE context = 'catalog'`, [rows[0].lsn]);
    const done = await waiting;
    expect(done).toMatchObject({ waited: true, via: 'checkpoint', warnings: [] });
    expect(done.reached).toBe(rows[0].lsn);
  });
});
