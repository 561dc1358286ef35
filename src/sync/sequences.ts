/**
 * Moves the target's sequences past the source's values (after the backfill, then periodically). A column's
 * sequence is the one it owns (serial, identity) or the one its default calls nextval() on, on either side.
 */
import type pg from 'pg';
import { readTableDefinition, type TableDefinition } from './table-definition.ts';

export async function syncSequences(source: pg.ClientBase, target: pg.ClientBase, tables: TableDefinition[], targetSchema: string): Promise<number> {
  let moved = 0;
  for (const def of tables) {
    if (!def.columns.some((c) => c.sequence)) continue;
    const current = await readTableDefinition(target, targetSchema, def.table);
    if (!current) continue;
    for (const col of def.columns) {
      if (!col.sequence) continue;
      const seq = current.columns.find((c) => c.name === col.name)?.sequence;
      if (!seq) continue;
      const s = await source.query<{ last_value: string; is_called: boolean }>(`SELECT last_value::text, is_called FROM ${col.sequence}`);
      const src = s.rows[0];
      if (!src || !src.is_called) continue;
      const r = await target.query(
        `SELECT setval($1::regclass, $2::bigint, true) FROM ${seq} WHERE NOT is_called OR last_value < $2::bigint`,
        [seq, src.last_value],
      );
      moved += r.rowCount ?? 0;
    }
  }
  return moved;
}
