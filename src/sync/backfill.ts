/**
 * Consistent backfill: every worker imports the slot's exported snapshot (REPEATABLE READ + SET TRANSACTION
 * SNAPSHOT), then streams tables with COPY source -> target. The target tables are emptied together in one
 * TRUNCATE, then each is copied in one target transaction that records its completion, parents before the
 * tables whose foreign keys reference them.
 */
import { pipeline } from 'node:stream/promises';
import copyStreams from 'pg-copy-streams';
import type pg from 'pg';
import { connect, quoteIdent } from '../adapters/postgres.ts';
import { recordBackfill } from './checkpoint-store.ts';
import { qualified, writableColumns, type TableDefinition } from './table-definition.ts';

export interface BackfillTable {
  definition: TableDefinition;
  /** Quoted target table name. */
  target: string;
}

export interface BackfillOptions {
  sourceUrl: string;
  targetUrl: string;
  snapshotName: string;
  context: string;
  tables: BackfillTable[];
  concurrency?: number;
  onTable?: (e: { table: string; rows: number; ms: number }) => void;
}

export async function backfill(options: BackfillOptions): Promise<{ rows: number }> {
  const tables = [...options.tables].sort((a, b) => a.definition.table.localeCompare(b.definition.table));
  if (tables.length === 0) return { rows: 0 };
  const order = await prepareTargets(options.targetUrl, tables);
  const workers = Math.max(1, Math.min(options.concurrency ?? 4, tables.length));
  let total = 0;
  const run = async () => {
    const src = await connect(options.sourceUrl, { role: 'monolith', applicationName: 'strangler-backfill' });
    const tgt = await connect(options.targetUrl, { role: 'service', applicationName: 'strangler-backfill' });
    try {
      await src.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await src.query(`SET TRANSACTION SNAPSHOT '${options.snapshotName.replace(/'/g, "''")}'`);
      for (let t = await order.take(); t; t = await order.take()) {
        const started = Date.now();
        const rows = await copyTable(src, tgt, t, options.context).catch((e: unknown) => {
          order.fail();
          throw e;
        });
        order.done(t);
        total += rows;
        options.onTable?.({ table: `${t.definition.schema}.${t.definition.table}`, rows, ms: Date.now() - started });
      }
      await src.query('COMMIT');
    } finally {
      await Promise.all([src.end().catch(() => {}), tgt.end().catch(() => {})]);
    }
  };
  await Promise.all(Array.from({ length: workers }, run));
  return { rows: total };
}

/** One table under the snapshot, in one target transaction; a table on a foreign-key cycle is loaded with its triggers (the checks) off. */
async function copyTable(src: pg.Client, tgt: pg.Client, t: BackfillTable & { cyclic?: boolean }, context: string): Promise<number> {
  const def = t.definition;
  const cols = writableColumns(def).map((c) => quoteIdent(c.name)).join(', ');
  // a partitioned table: its rows are in its partitions; a plain table: not its inheritance children's
  const from = def.kind === 'p' ? qualified(def.schema, def.table) : `ONLY ${qualified(def.schema, def.table)}`;
  await tgt.query('BEGIN');
  try {
    if (t.cyclic) await tgt.query('SET LOCAL session_replication_role = replica');
    const into = tgt.query(copyStreams.from(`COPY ${t.target} (${cols}) FROM STDIN`));
    const out = src.query(copyStreams.to(`COPY (SELECT ${cols} FROM ${from}) TO STDOUT`));
    await pipeline(out, into);
    const rows = Number(into.rowCount ?? 0);
    await recordBackfill(tgt, context, `${def.schema}.${def.table}`, rows);
    await tgt.query('COMMIT');
    return rows;
  } catch (e) {
    await tgt.query('ROLLBACK').catch(() => {});
    throw e;
  }
}

interface LoadOrder {
  /** The next table whose referenced tables are loaded; waits while only blocked tables are left. */
  take(): Promise<(BackfillTable & { cyclic?: boolean }) | undefined>;
  done(t: BackfillTable): void;
  fail(): void;
}

/**
 * Empties every target table in one TRUNCATE (tables linked by foreign keys can only be truncated together), and
 * orders the loads so that a table is copied after the tables its foreign keys reference (parents first); tables
 * on a reference cycle come last, loaded with session_replication_role = replica.
 */
async function prepareTargets(targetUrl: string, tables: BackfillTable[]): Promise<LoadOrder> {
  const tgt = await connect(targetUrl, { role: 'service', applicationName: 'strangler-backfill' });
  let parents: Map<string, Set<string>>;
  try {
    const names = tables.map((t) => t.target);
    const oids = await tgt.query<{ name: string; oid: string }>('SELECT name, name::regclass::oid::text AS oid FROM unnest($1::text[]) AS name', [names]);
    const nameOf = new Map(oids.rows.map((r) => [r.oid, r.name]));
    const fks = await tgt.query<{ child: string; parent: string }>(
      `SELECT conrelid::oid::text AS child, confrelid::oid::text AS parent FROM pg_constraint
       WHERE contype = 'f' AND conrelid <> confrelid AND conrelid = ANY($1::oid[]) AND confrelid = ANY($1::oid[])`,
      [[...nameOf.keys()]],
    );
    parents = new Map(names.map((n) => [n, new Set<string>()]));
    for (const fk of fks.rows) parents.get(nameOf.get(fk.child)!)!.add(nameOf.get(fk.parent)!);
    await tgt.query(`TRUNCATE ${names.join(', ')}`);
  } finally {
    await tgt.end().catch(() => {});
  }
  return loadOrder(tables, parents);
}

export function loadOrder(tables: BackfillTable[], parents: Map<string, Set<string>>): LoadOrder {
  // tables that no parents-first order can reach are on a cycle (or below one): loaded last, checks off
  const reachable = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of tables) {
      if (!reachable.has(t.target) && [...(parents.get(t.target) ?? [])].every((p) => reachable.has(p))) {
        reachable.add(t.target);
        grew = true;
      }
    }
  }
  const pending: (BackfillTable & { cyclic?: boolean })[] = tables.map((t) => (reachable.has(t.target) ? t : { ...t, cyclic: true }));
  const loaded = new Set<string>();
  let waiters: (() => void)[] = [];
  let failed = false;
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const ready = (t: BackfillTable & { cyclic?: boolean }) => t.cyclic === true || [...(parents.get(t.target) ?? [])].every((p) => loaded.has(p));
  return {
    async take() {
      for (;;) {
        if (failed || pending.length === 0) return undefined;
        const i = pending.findIndex(ready);
        if (i >= 0) return pending.splice(i, 1)[0];
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    done(t) {
      loaded.add(t.target);
      wake();
    },
    fail() {
      failed = true;
      wake();
    },
  };
}
