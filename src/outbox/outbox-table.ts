/**
 * The transactional outbox table, in the monolith's database. Column names follow Debezium's outbox event
 * router defaults (id, aggregatetype, aggregateid, type, payload), so the same table works with
 * `strangler sync --via kafka` and with a Debezium connector using io.debezium.transforms.outbox.EventRouter.
 */
export const DEFAULT_OUTBOX_TABLE = 'outbox';

/** Quotes `table` or `schema.table` for SQL. */
export function quoteTableName(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');
}

/** DDL creating the outbox table (idempotent). */
export function createOutboxTableSql(table: string = DEFAULT_OUTBOX_TABLE): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteTableName(table)} (
  id uuid PRIMARY KEY,
  aggregatetype text NOT NULL,
  aggregateid text NOT NULL,
  type text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
)`;
}
