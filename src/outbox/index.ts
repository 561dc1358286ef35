/** The transactional outbox library a monolith imports (`strangler-fig/outbox`). */
export { createOutboxTable, emitEvent, outboxRow, OutboxEventError, type DomainEvent, type EmitOptions, type OutboxWriter } from './emit-event.ts';
export { createOutboxTableSql, DEFAULT_OUTBOX_TABLE } from './outbox-table.ts';
