/**
 * The outbox relay: inserts into the monolith's outbox table, captured from the replication slot like any other
 * change, become domain events on Kafka, routed as Debezium's outbox event router does: topic
 * `<prefix>.<aggregatetype>` (default prefix `outbox.event`), key = aggregateid, value = payload, headers id and
 * eventType. Updates and deletes of outbox rows are not events (deleting rows right after inserting them keeps
 * the table small). Pure.
 */
import { formatLsn } from './lsn.ts';
import type { RowChange } from './row-change.ts';

export const DEFAULT_OUTBOX_TOPIC_PREFIX = 'outbox.event';

export interface OutboxMessage {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

export function outboxTopic(prefix: string, aggregateType: string): string {
  return `${prefix}.${aggregateType}`.replace(/[^a-zA-Z0-9._-]/g, '_');
}

/** The Kafka message for an outbox change, or null when it is not an event (update, delete, truncate). */
export function outboxMessage(change: RowChange, prefix = DEFAULT_OUTBOX_TOPIC_PREFIX): OutboxMessage | null {
  if (change.op !== 'insert' || !change.after) return null;
  const row = change.after;
  const missing = ['id', 'aggregatetype', 'aggregateid', 'type'].filter((c) => row[c] === null || row[c] === undefined);
  if (missing.length) throw new Error(`outbox row in ${change.table} lacks ${missing.join(', ')}; create it with createOutboxTableSql()`);
  return {
    topic: outboxTopic(prefix, row.aggregatetype!),
    key: row.aggregateid!,
    value: row.payload ?? 'null',
    headers: {
      id: row.id!,
      eventType: row.type!,
      aggregateType: row.aggregatetype!,
      'strangler.position': `${formatLsn(change.position.commitLsn)}#${change.position.index}`,
      'strangler.xid': String(change.xid),
    },
  };
}
