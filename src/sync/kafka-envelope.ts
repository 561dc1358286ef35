/**
 * The JSON envelope of a change event on Kafka (documented in docs/kafka-envelope.md). Pure.
 */
import { formatLsn, parseLsn } from './lsn.ts';
import type { RowChange, RowValues } from './row-change.ts';

export interface ChangeEnvelope {
  op: RowChange['op'];
  before: RowValues | null;
  after: RowValues | null;
  /** Columns of `after` left out because their TOASTed value did not change. */
  unchanged?: string[];
  source: {
    /** Commit LSN of the source transaction. */
    lsn: string;
    /** Index of the change within its transaction: (lsn, index) orders and deduplicates events. */
    index: number;
    xid: number;
    /** `schema.table` in the monolith. */
    table: string;
    commitTime: string;
    context: string;
  };
}

/** `strangler.catalog` + `public.items` -> `strangler.catalog.public.items` */
export function topicFor(prefix: string, table: string): string {
  return `${prefix}.${table}`.replace(/[^a-zA-Z0-9._-]/g, '_');
}

export function messageKey(change: RowChange, key: string[]): string | null {
  const row = change.op === 'delete' ? change.before : (change.after ?? change.before);
  if (!row || key.length === 0) return null;
  const out: Record<string, string | null> = {};
  for (const k of key) out[k] = row[k] ?? null;
  return JSON.stringify(out);
}

export function toEnvelope(change: RowChange, context: string): ChangeEnvelope {
  return {
    op: change.op,
    before: change.before,
    after: change.after,
    ...(change.unchanged?.length ? { unchanged: change.unchanged } : {}),
    source: {
      lsn: formatLsn(change.position.commitLsn),
      index: change.position.index,
      xid: change.xid,
      table: change.table,
      commitTime: change.commitTime.toISOString(),
      context,
    },
  };
}

export class EnvelopeError extends Error {}

export function fromEnvelope(text: string): RowChange {
  let e: ChangeEnvelope;
  try {
    e = JSON.parse(text) as ChangeEnvelope;
  } catch {
    throw new EnvelopeError(`change event is not JSON: ${text.slice(0, 80)}`);
  }
  if (!e || typeof e !== 'object' || !['insert', 'update', 'delete', 'truncate'].includes(e.op) || !e.source || typeof e.source.table !== 'string') {
    throw new EnvelopeError(`not a strangler change event: ${text.slice(0, 80)}`);
  }
  return {
    op: e.op,
    table: e.source.table,
    ...(e.op === 'truncate' ? { tables: [e.source.table] } : {}),
    before: e.before ?? null,
    after: e.after ?? null,
    ...(e.unchanged?.length ? { unchanged: e.unchanged } : {}),
    position: { commitLsn: parseLsn(e.source.lsn), index: e.source.index },
    xid: e.source.xid,
    commitTime: new Date(e.source.commitTime),
  };
}
