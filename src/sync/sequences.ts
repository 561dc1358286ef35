/** Moves the target's sequences past the source's values (after the backfill, then periodically). */
import type pg from 'pg';
import type { TableDefinition } from './table-definition.ts';
import { qualified } from './table-definition.ts';

export async function syncSequences(source: pg.ClientBase, target: pg.ClientBase, tables: TableDefinition[], targetSchema: string): Promise<number> {
  let moved = 0;
  for (const def of tables) {
    for (const col of def.columns) {
      if (!col.sequence) continue;
      const s = await source.query<{ last_value: string; is_called: boolean }>(`SELECT last_value::text, is_called FROM ${col.sequence}`);
      const src = s.rows[0];
      if (!src || !src.is_called) continue;
      const t = await target.query<{ seq: string | null }>(`SELECT pg_get_serial_sequence($1, $2) AS seq`, [qualified(targetSchema, def.table), col.name]);
      const seq = t.rows[0]?.seq;
      if (!seq) continue;
      const r = await target.query(
        `SELECT setval($1::regclass, $2::bigint, true) FROM ${seq} WHERE NOT is_called OR last_value < $2::bigint`,
        [seq, src.last_value],
      );
      moved += r.rowCount ?? 0;
    }
  }
  return moved;
}
