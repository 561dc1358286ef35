/**
 * The source side of a sync: pre-flight checks (each with its exact fix), the publication, and the
 * logical replication slot created on a replication connection with an exported snapshot.
 */
import type pg from 'pg';
import { connect, quoteIdent } from '../adapters/postgres.ts';
import { EnvironmentError } from '../errors.ts';
import { parseLsn, type Lsn } from './lsn.ts';
import { qualified, splitTableName } from './table-definition.ts';

export interface PreflightIssue {
  check: 'wal_level' | 'privileges' | 'table' | 'replica_identity' | 'slots' | 'wal_senders';
  problem: string;
  fix: string;
}

export class PreflightError extends EnvironmentError {
  constructor(readonly issues: PreflightIssue[]) {
    super(
      `the monolith database is not ready for logical replication: ${issues.map((i) => `${i.problem} (fix: ${i.fix})`).join('; ')}`,
      'apply the fixes above, then run strangler sync start again',
    );
  }
}

export class SlotInUseError extends EnvironmentError {}

export async function preflight(client: pg.ClientBase, tables: string[], slot: string): Promise<PreflightIssue[]> {
  const issues: PreflightIssue[] = [];
  const s = await client.query<{ wal_level: string; max_slots: string; max_senders: string; user: string; repl: boolean; db: string }>(
    `SELECT current_setting('wal_level') AS wal_level, current_setting('max_replication_slots') AS max_slots,
            current_setting('max_wal_senders') AS max_senders, current_user AS user, current_database() AS db,
            (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user) AS repl`,
  );
  const st = s.rows[0]!;
  if (st.wal_level !== 'logical') {
    issues.push({
      check: 'wal_level',
      problem: `wal_level is ${st.wal_level}, logical replication needs logical`,
      fix: `ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL`,
    });
  }
  if (!st.repl) {
    issues.push({
      check: 'privileges',
      problem: `role ${st.user} may not replicate`,
      fix: `ALTER ROLE ${quoteIdent(st.user)} WITH REPLICATION;`,
    });
  }
  const slots = await client.query<{ used: number; ours: boolean }>(
    `SELECT count(*)::int AS used, bool_or(slot_name = $1) AS ours FROM pg_replication_slots`,
    [slot],
  );
  const { used, ours } = slots.rows[0]!;
  if (!ours && used >= Number(st.max_slots)) {
    issues.push({
      check: 'slots',
      problem: `all ${st.max_slots} replication slots are in use`,
      fix: `drop an unused slot (SELECT pg_drop_replication_slot('name')) or ALTER SYSTEM SET max_replication_slots = ${Number(st.max_slots) + 4}; then restart PostgreSQL`,
    });
  }
  const senders = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_replication`);
  if (senders.rows[0]!.n >= Number(st.max_senders)) {
    issues.push({
      check: 'wal_senders',
      problem: `all ${st.max_senders} WAL senders are busy`,
      fix: `ALTER SYSTEM SET max_wal_senders = ${Number(st.max_senders) + 4}; then restart PostgreSQL`,
    });
  }
  for (const name of tables) issues.push(...(await tableIssues(client, name, st.user)));
  return issues;
}

/** What keeps one table from being replicated: ownership, replica identity (of it or of its partitions), UNLOGGED. */
async function tableIssues(client: pg.ClientBase, name: string, user: string): Promise<PreflightIssue[]> {
  const issues: PreflightIssue[] = [];
  const { schema, table } = splitTableName(name);
  const q = qualified(schema, table);
  const r = await client.query<{ replident: string; has_pk: boolean; owner_ok: boolean; select_ok: boolean; unlogged: boolean; weak_partitions: string[] | null }>(
    `SELECT c.relreplident AS replident,
            EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS has_pk,
            pg_has_role(current_user, c.relowner, 'USAGE') AS owner_ok,
            has_table_privilege(c.oid, 'SELECT') AS select_ok,
            c.relpersistence = 'u' AS unlogged,
            (SELECT array_agg(p.relid::regclass::text ORDER BY p.relid::regclass::text) FROM pg_partition_tree(c.oid) p JOIN pg_class pc ON pc.oid = p.relid
              WHERE p.isleaf AND p.relid <> c.oid AND (pc.relreplident = 'n' OR (pc.relreplident = 'd' AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = pc.oid AND i.indisprimary)))) AS weak_partitions
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
    [schema, table],
  );
  const row = r.rows[0];
  if (!row) return issues; // named but not a table: refused before pre-flight, with the reason
  if (!row.select_ok || !row.owner_ok) {
    issues.push({
      check: 'privileges',
      problem: `role ${user} does not own ${schema}.${table} (a publication needs the owner)`,
      fix: `ALTER TABLE ${q} OWNER TO ${quoteIdent(user)}; or run sync as the owner`,
    });
  }
  if (row.unlogged) {
    issues.push({
      check: 'table',
      problem: `table ${schema}.${table} is UNLOGGED: its changes are not written to the WAL, so logical replication never sees them`,
      fix: `ALTER TABLE ${q} SET LOGGED; (or remove it from the context)`,
    });
  }
  if (row.replident === 'n') {
    issues.push({
      check: 'replica_identity',
      problem: `table ${schema}.${table} has REPLICA IDENTITY NOTHING, so its updates and deletes cannot be replicated`,
      fix: `ALTER TABLE ${q} REPLICA IDENTITY ${row.has_pk ? 'DEFAULT' : 'FULL'};`,
    });
  } else if (!row.has_pk && row.replident === 'd') {
    issues.push({
      check: 'replica_identity',
      problem: `table ${schema}.${table} has no primary key, so updates and deletes cannot be replicated`,
      fix: `ALTER TABLE ${q} ADD PRIMARY KEY (...); or ALTER TABLE ${q} REPLICA IDENTITY FULL;`,
    });
  }
  if (row.weak_partitions?.length) {
    issues.push({
      check: 'replica_identity',
      problem: `partition(s) ${row.weak_partitions.join(', ')} of ${schema}.${table} have no replica identity, so their updates and deletes cannot be replicated`,
      fix: `add a primary key to ${q} (partitions inherit it), or ALTER TABLE <partition> REPLICA IDENTITY FULL; on each`,
    });
  }
  return issues;
}

/**
 * Creates the publication for exactly these tables (or sets its table list). With a partitioned table among
 * them, changes to its partitions are published as changes to the table itself (`publish_via_partition_root`).
 */
export async function ensurePublication(client: pg.ClientBase, publication: string, tables: string[]): Promise<void> {
  const names = tables.map((t) => splitTableName(t));
  const list = names.map(({ schema, table }) => qualified(schema, table));
  const partitioned = await client.query(
    `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN unnest($1::text[], $2::text[]) AS x(s, t) ON x.s = n.nspname AND x.t = c.relname WHERE c.relkind = 'p'`,
    [names.map((n) => n.schema), names.map((n) => n.table)],
  );
  const viaRoot = (partitioned.rowCount ?? 0) > 0;
  const r = await client.query(`SELECT 1 FROM pg_publication WHERE pubname = $1`, [publication]);
  if (r.rowCount) {
    await client.query(`ALTER PUBLICATION ${quoteIdent(publication)} SET TABLE ${list.join(', ')}`);
    await client.query(`ALTER PUBLICATION ${quoteIdent(publication)} SET (publish_via_partition_root = ${viaRoot})`);
  } else {
    await client.query(`CREATE PUBLICATION ${quoteIdent(publication)} FOR TABLE ${list.join(', ')} WITH (publish_via_partition_root = ${viaRoot})`);
  }
}

export interface SlotInfo {
  exists: boolean;
  activePid: number | null;
  confirmedFlush: Lsn | null;
  restartLsn: Lsn | null;
}

export async function readSlot(client: pg.ClientBase, slot: string): Promise<SlotInfo> {
  const r = await client.query(
    `SELECT active_pid, confirmed_flush_lsn::text AS confirmed, restart_lsn::text AS restart FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  const row = r.rows[0];
  if (!row) return { exists: false, activePid: null, confirmedFlush: null, restartLsn: null };
  return {
    exists: true,
    activePid: row.active_pid,
    confirmedFlush: row.confirmed ? parseLsn(row.confirmed) : null,
    restartLsn: row.restart ? parseLsn(row.restart) : null,
  };
}

/** Waits until no process uses the slot (a killed predecessor's WAL sender takes a moment to go). */
export async function waitForSlotFree(client: pg.ClientBase, slot: string, timeoutMs: number): Promise<SlotInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await readSlot(client, slot);
    if (!info.exists || info.activePid === null) return info;
    if (Date.now() >= deadline) {
      throw new SlotInUseError(
        `replication slot ${slot} is in use by process ${info.activePid} on the monolith database`,
        'another strangler sync is running for this context: stop it (strangler sync stop <domain>) or wait for it to exit',
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function dropSlot(client: pg.ClientBase, slot: string, timeoutMs: number): Promise<boolean> {
  const info = await waitForSlotFree(client, slot, timeoutMs);
  if (!info.exists) return false;
  await client.query(`SELECT pg_drop_replication_slot($1)`, [slot]);
  return true;
}

export async function dropPublication(client: pg.ClientBase, publication: string): Promise<boolean> {
  const r = await client.query(`SELECT 1 FROM pg_publication WHERE pubname = $1`, [publication]);
  if (!r.rowCount) return false;
  await client.query(`DROP PUBLICATION ${quoteIdent(publication)}`);
  return true;
}

export interface ExportedSlot {
  /** The replication connection that exported the snapshot: keep it open (and idle) until the backfill has imported it. */
  connection: pg.Client;
  consistentPoint: Lsn;
  snapshotName: string;
}

/** CREATE_REPLICATION_SLOT ... LOGICAL pgoutput (SNAPSHOT 'export') on its own replication connection. */
export async function createSlotWithSnapshot(url: string, slot: string): Promise<ExportedSlot> {
  const connection = await connect(url, { role: 'monolith', replication: true, applicationName: 'strangler-sync-snapshot' });
  try {
    const r = await connection.query(`CREATE_REPLICATION_SLOT ${quoteIdent(slot)} LOGICAL pgoutput (SNAPSHOT 'export')`);
    const row = r.rows[0];
    return { connection, consistentPoint: parseLsn(row.consistent_point), snapshotName: row.snapshot_name };
  } catch (e) {
    await connection.end().catch(() => {});
    throw e;
  }
}

/** Tables (not partitions) of these schemas, `schema.table`: to notice tables created while a sync runs. */
export async function listTables(client: pg.ClientBase, schemas: string[]): Promise<string[]> {
  const r = await client.query<{ name: string }>(
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1) ORDER BY 1`,
    [schemas],
  );
  return r.rows.map((x) => x.name);
}
