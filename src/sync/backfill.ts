/**
 * Consistent backfill: every worker imports the slot's exported snapshot (REPEATABLE READ + SET TRANSACTION
 * SNAPSHOT), then streams tables with COPY source -> target. Each table is copied in one target transaction
 * that truncates it first and records its completion.
 */
import { pipeline } from 'node:stream/promises';
import copyStreams from 'pg-copy-streams';
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
  const queue = [...options.tables].sort((a, b) => a.definition.table.localeCompare(b.definition.table));
  const workers = Math.max(1, Math.min(options.concurrency ?? 4, queue.length));
  let total = 0;
  const run = async () => {
    const src = await connect(options.sourceUrl, { role: 'monolith', applicationName: 'strangler-backfill' });
    const tgt = await connect(options.targetUrl, { role: 'service', applicationName: 'strangler-backfill' });
    try {
      await src.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await src.query(`SET TRANSACTION SNAPSHOT '${options.snapshotName.replace(/'/g, "''")}'`);
      for (let t = queue.shift(); t; t = queue.shift()) {
        const started = Date.now();
        const def = t.definition;
        const cols = writableColumns(def).map((c) => quoteIdent(c.name)).join(', ');
        // a partitioned table: its rows are in its partitions; a plain table: not its inheritance children's
        const from = def.kind === 'p' ? qualified(def.schema, def.table) : `ONLY ${qualified(def.schema, def.table)}`;
        await tgt.query('BEGIN');
        try {
          await tgt.query(`TRUNCATE ${t.target}`);
          const into = tgt.query(copyStreams.from(`COPY ${t.target} (${cols}) FROM STDIN`));
          const out = src.query(copyStreams.to(`COPY (SELECT ${cols} FROM ${from}) TO STDOUT`));
          await pipeline(out, into);
          const rows = Number(into.rowCount ?? 0);
          await recordBackfill(tgt, options.context, `${def.schema}.${def.table}`, rows);
          await tgt.query('COMMIT');
          total += rows;
          options.onTable?.({ table: `${def.schema}.${def.table}`, rows, ms: Date.now() - started });
        } catch (e) {
          await tgt.query('ROLLBACK').catch(() => {});
          throw e;
        }
      }
      await src.query('COMMIT');
    } finally {
      await Promise.all([src.end().catch(() => {}), tgt.end().catch(() => {})]);
    }
  };
  await Promise.all(Array.from({ length: workers }, run));
  return { rows: total };
}
