/**
 * Sync state kept in the target database, next to the data it describes (schema `strangler_sync`):
 * the phase of each context, per-table backfill completion, and the applied position (commit LSN, index in
 * transaction). Checkpoints are written in the same transaction as the rows they cover.
 */
import type pg from 'pg';
import { formatLsn, parseLsn, ZERO_POSITION, type Position } from './lsn.ts';

export const STATE_SCHEMA = 'strangler_sync';

export type SyncPhase = 'backfill' | 'streaming';

export interface SyncState {
  context: string;
  phase: SyncPhase;
  slot: string;
  publication: string;
  via: string;
  tables: string[];
  status: string;
  message: string | null;
  updatedAt: Date;
}

export interface Checkpoint extends Position {
  stream: string;
  endLsn: bigint | null;
  commitTime: Date | null;
  rowsApplied: number;
  updatedAt: Date;
}

export async function ensureStateTables(client: pg.ClientBase): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('strangler_sync.ddl'))`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${STATE_SCHEMA}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${STATE_SCHEMA}.state (
      context text PRIMARY KEY, phase text NOT NULL, slot text NOT NULL, publication text NOT NULL,
      via text NOT NULL DEFAULT 'direct', tables text[] NOT NULL DEFAULT '{}',
      status text NOT NULL DEFAULT 'starting', message text, updated_at timestamptz NOT NULL DEFAULT now())`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${STATE_SCHEMA}.backfill (
      context text NOT NULL, table_name text NOT NULL, rows bigint NOT NULL, completed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (context, table_name))`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${STATE_SCHEMA}.checkpoints (
      context text NOT NULL, stream text NOT NULL DEFAULT '', commit_lsn pg_lsn NOT NULL, index_in_txn integer NOT NULL,
      end_lsn pg_lsn, commit_time timestamptz, rows_applied bigint NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (context, stream))`);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}

export async function readState(client: pg.ClientBase, context: string): Promise<SyncState | undefined> {
  const exists = await client.query(`SELECT to_regclass('${STATE_SCHEMA}.state') IS NOT NULL AS ok`);
  if (!exists.rows[0].ok) return undefined;
  const r = await client.query(`SELECT * FROM ${STATE_SCHEMA}.state WHERE context = $1`, [context]);
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    context,
    phase: row.phase,
    slot: row.slot,
    publication: row.publication,
    via: row.via,
    tables: row.tables,
    status: row.status,
    message: row.message,
    updatedAt: row.updated_at,
  };
}

export async function writeState(
  client: pg.ClientBase,
  s: { context: string; phase: SyncPhase; slot: string; publication: string; via: string; tables: string[] },
): Promise<void> {
  await client.query(
    `INSERT INTO ${STATE_SCHEMA}.state (context, phase, slot, publication, via, tables, status, message, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $2, NULL, now())
     ON CONFLICT (context) DO UPDATE SET phase = $2, slot = $3, publication = $4, via = $5, tables = $6, status = $2, message = NULL, updated_at = now()`,
    [s.context, s.phase, s.slot, s.publication, s.via, s.tables],
  );
}

/** Human status (streaming, paused, error...) with a message; no-op when the state row does not exist. */
export async function writeStatus(client: pg.ClientBase, context: string, status: string, message: string | null): Promise<void> {
  await client.query(`UPDATE ${STATE_SCHEMA}.state SET status = $2, message = $3, updated_at = now() WHERE context = $1`, [
    context,
    status,
    message,
  ]);
}

export async function recordBackfill(client: pg.ClientBase, context: string, table: string, rows: number): Promise<void> {
  await client.query(
    `INSERT INTO ${STATE_SCHEMA}.backfill (context, table_name, rows, completed_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (context, table_name) DO UPDATE SET rows = $3, completed_at = now()`,
    [context, table, rows],
  );
}

export async function readBackfill(client: pg.ClientBase, context: string): Promise<{ table: string; rows: number; completedAt: Date }[]> {
  const r = await client.query(`SELECT table_name, rows, completed_at FROM ${STATE_SCHEMA}.backfill WHERE context = $1 ORDER BY table_name`, [context]);
  return r.rows.map((x) => ({ table: x.table_name, rows: Number(x.rows), completedAt: x.completed_at }));
}

export async function resetContext(client: pg.ClientBase, context: string): Promise<void> {
  const exists = await client.query(`SELECT to_regclass('${STATE_SCHEMA}.state') IS NOT NULL AS ok`);
  if (!exists.rows[0].ok) return;
  for (const t of ['state', 'backfill', 'checkpoints']) await client.query(`DELETE FROM ${STATE_SCHEMA}.${t} WHERE context = $1`, [context]);
}

export async function readCheckpoints(client: pg.ClientBase, context: string): Promise<Checkpoint[]> {
  const r = await client.query(
    `SELECT stream, commit_lsn::text, index_in_txn, end_lsn::text, commit_time, rows_applied, updated_at
     FROM ${STATE_SCHEMA}.checkpoints WHERE context = $1 ORDER BY stream`,
    [context],
  );
  return r.rows.map((x) => ({
    stream: x.stream,
    commitLsn: parseLsn(x.commit_lsn),
    index: x.index_in_txn,
    endLsn: x.end_lsn ? parseLsn(x.end_lsn) : null,
    commitTime: x.commit_time,
    rowsApplied: Number(x.rows_applied),
    updatedAt: x.updated_at,
  }));
}

export async function readCheckpoint(client: pg.ClientBase, context: string, stream = ''): Promise<Position> {
  const all = await readCheckpoints(client, context);
  const c = all.find((x) => x.stream === stream);
  return c ? { commitLsn: c.commitLsn, index: c.index } : ZERO_POSITION;
}

/** Upserts the position reached; call inside the transaction that applied the rows. */
export async function saveCheckpoint(
  client: pg.ClientBase,
  context: string,
  stream: string,
  position: Position,
  rows: number,
  extra: { endLsn?: bigint | null; commitTime?: Date | null } = {},
): Promise<void> {
  await client.query(
    `INSERT INTO ${STATE_SCHEMA}.checkpoints (context, stream, commit_lsn, index_in_txn, end_lsn, commit_time, rows_applied, updated_at)
     VALUES ($1, $2, $3::pg_lsn, $4, $5::pg_lsn, $6, $7, now())
     ON CONFLICT (context, stream) DO UPDATE SET commit_lsn = EXCLUDED.commit_lsn, index_in_txn = EXCLUDED.index_in_txn,
       end_lsn = coalesce(EXCLUDED.end_lsn, ${STATE_SCHEMA}.checkpoints.end_lsn), commit_time = coalesce(EXCLUDED.commit_time, ${STATE_SCHEMA}.checkpoints.commit_time),
       rows_applied = ${STATE_SCHEMA}.checkpoints.rows_applied + EXCLUDED.rows_applied, updated_at = now()`,
    [context, stream, formatLsn(position.commitLsn), position.index, extra.endLsn != null ? formatLsn(extra.endLsn) : null, extra.commitTime ?? null, rows],
  );
}
