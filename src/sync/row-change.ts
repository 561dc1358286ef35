/**
 * One row change as strangler moves it (also the body of the Kafka envelope): values are PostgreSQL's text
 * representation, cast by the target. Built from decoded pgoutput messages.
 */
import type { Position } from './lsn.ts';
import { UNCHANGED_TOAST, type ChangeMessage, type RelationMessage, type Tuple } from './pgoutput-decoder.ts';

export type RowValues = Record<string, string | null>;

export interface RowChange {
  op: 'insert' | 'update' | 'delete' | 'truncate';
  /** Source table, `schema.table`. For truncate: the first table (all in `tables`). */
  table: string;
  /** Truncate: every table truncated together. */
  tables?: string[];
  /** Delete / key-changing update: the old key (or the whole old row with REPLICA IDENTITY FULL). */
  before: RowValues | null;
  /** Insert / update: the new row, without the columns listed in `unchanged`. */
  after: RowValues | null;
  /** Update: TOASTed columns the source did not send because they did not change (keep the target's value). */
  unchanged?: string[];
  position: Position;
  /** Two-way sync: the strangler replication origin of the transaction (its own change, observed, never applied). */
  origin?: string;
  xid: number;
  commitTime: Date;
}

export function relationName(r: RelationMessage): string {
  return `${r.schema}.${r.table}`;
}

function values(rel: RelationMessage, tuple: Tuple, onlyKey = false): { row: RowValues; unchanged: string[] } {
  const row: RowValues = {};
  const unchanged: string[] = [];
  rel.columns.forEach((c, i) => {
    if (onlyKey && !c.isKey) return;
    const v = tuple[i];
    if (v === UNCHANGED_TOAST) unchanged.push(c.name);
    else row[c.name] = v ?? null;
  });
  return { row, unchanged };
}

export function toRowChange(m: ChangeMessage, position: Position, xid: number, commitTime: Date): RowChange {
  const base = { position, xid, commitTime };
  switch (m.tag) {
    case 'insert':
      return { op: 'insert', table: relationName(m.relation), before: null, after: values(m.relation, m.newTuple).row, ...base };
    case 'update': {
      const { row, unchanged } = values(m.relation, m.newTuple);
      const before = m.oldTuple ? values(m.relation, m.oldTuple, m.oldKind === 'K').row : null;
      return { op: 'update', table: relationName(m.relation), before, after: row, ...(unchanged.length ? { unchanged } : {}), ...base };
    }
    case 'delete':
      return { op: 'delete', table: relationName(m.relation), before: values(m.relation, m.oldTuple, m.oldKind === 'K').row, after: null, ...base };
    case 'truncate': {
      const tables = m.relations.map(relationName);
      return { op: 'truncate', table: tables[0] ?? '', tables, before: null, after: null, ...base };
    }
  }
}
