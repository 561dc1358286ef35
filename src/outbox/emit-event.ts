/**
 * Emitting a domain event through the transactional outbox: the monolith inserts the event into its `outbox`
 * table inside the transaction that makes the change, so the event exists if and only if the change committed.
 * `strangler sync --via kafka` captures the insert from the replication slot and relays it to Kafka.
 *
 * Works with a knex transaction (`trx(table).insert(...)`, `trx.raw(...)`) or a pg-style client (`query(sql, params)`)
 * without importing either.
 */
import { randomUUID } from 'node:crypto';
import { createOutboxTableSql, DEFAULT_OUTBOX_TABLE, quoteTableName } from './outbox-table.ts';

export interface DomainEvent {
  /** What kind of thing changed, e.g. `Stock`: events are routed to a topic per aggregate type. */
  aggregateType: string;
  /** Which one, e.g. `42/1`: the Kafka message key, so one aggregate's events stay in order. */
  aggregateId: string | number;
  /** What happened, e.g. `StockLevelAdjusted`. */
  type: string;
  /** The event body (JSON). */
  payload: unknown;
  /** Event id (default: a random UUID); consumers deduplicate on it. */
  id?: string;
}

/** A knex transaction or knex instance: callable with a table name. */
export interface KnexLike {
  (table: string): { insert(row: Record<string, unknown>): PromiseLike<unknown> };
  raw(sql: string, bindings?: unknown[]): PromiseLike<unknown>;
}

/** A pg Client / PoolClient inside a transaction. */
export interface QueryLike {
  query(sql: string, params?: unknown[]): PromiseLike<unknown>;
}

export type OutboxWriter = KnexLike | QueryLike;

export interface EmitOptions {
  /** The outbox table (default `outbox`). */
  table?: string;
}

export class OutboxEventError extends Error {}

/** Checks an event and returns the outbox row for it. */
export function outboxRow(event: DomainEvent): { id: string; aggregatetype: string; aggregateid: string; type: string; payload: string } {
  for (const field of ['aggregateType', 'type'] as const) {
    if (typeof event[field] !== 'string' || event[field].trim() === '') throw new OutboxEventError(`outbox event: ${field} must be a non-empty string`);
  }
  if (event.aggregateId === undefined || event.aggregateId === null || String(event.aggregateId) === '') {
    throw new OutboxEventError('outbox event: aggregateId must be set');
  }
  const payload = JSON.stringify(event.payload ?? null);
  return { id: event.id ?? randomUUID(), aggregatetype: event.aggregateType, aggregateid: String(event.aggregateId), type: event.type, payload };
}

/** Inserts the event into the outbox, in the caller's transaction. Returns the event id. */
export async function emitEvent(trx: OutboxWriter, event: DomainEvent, options: EmitOptions = {}): Promise<string> {
  const row = outboxRow(event);
  const table = options.table ?? DEFAULT_OUTBOX_TABLE;
  if (typeof trx === 'function') {
    await trx(table).insert(row);
  } else {
    await trx.query(
      `INSERT INTO ${quoteTableName(table)} (id, aggregatetype, aggregateid, type, payload) VALUES ($1, $2, $3, $4, $5::jsonb)`,
      [row.id, row.aggregatetype, row.aggregateid, row.type, row.payload],
    );
  }
  return row.id;
}

/** Creates the outbox table if it does not exist (e.g. from a knex migration). */
export async function createOutboxTable(db: OutboxWriter, options: EmitOptions = {}): Promise<void> {
  const sql = createOutboxTableSql(options.table ?? DEFAULT_OUTBOX_TABLE);
  if (typeof db === 'function') await db.raw(sql);
  else await db.query(sql);
}
