import { describe, expect, it } from 'vitest';
import { emitEvent, outboxRow, OutboxEventError } from '../../../src/outbox/index.ts';
import type { TargetTable } from '../../../src/sync/apply-changes.ts';
import { fromEnvelope, toEnvelope } from '../../../src/sync/kafka-envelope.ts';
import { changeMessages, freshChanges, qualifiedName } from '../../../src/sync/kafka-transport.ts';
import { outboxMessage } from '../../../src/sync/outbox-relay.ts';
import type { RowChange } from '../../../src/sync/row-change.ts';

const at = new Date('2026-01-02T03:04:05.678Z');
const change = (over: Partial<RowChange>): RowChange => ({
  op: 'insert',
  table: 'public.items',
  before: null,
  after: { id: '1', name: 'a' },
  position: { commitLsn: 0x16b374d848n, index: 0 },
  xid: 742,
  commitTime: at,
  ...over,
});
const items: TargetTable = { source: 'public.items', target: '"public"."items"', types: new Map([['id', 'bigint'], ['name', 'text']]), key: ['id'] };
const routing = {
  targets: new Map([['public.items', items]]),
  topics: new Map([['public.items', 'strangler.catalog.public.items'], ['public.log_lines', 'strangler.catalog.public.log_lines']]),
  context: 'catalog',
  outbox: { table: 'outbox', topicPrefix: 'outbox.event' },
};

describe('Kafka change envelope', () => {
  it('carries before/after, operation, source position and transaction id, and reads back the same change', () => {
    const c = change({ op: 'update', before: { id: '1' }, after: { id: '2', name: 'b' }, unchanged: ['big'] });
    const e = toEnvelope(c, 'catalog');
    expect(e).toEqual({
      op: 'update',
      before: { id: '1' },
      after: { id: '2', name: 'b' },
      unchanged: ['big'],
      source: { lsn: '16/B374D848', index: 0, xid: 742, table: 'public.items', commitTime: '2026-01-02T03:04:05.678Z', context: 'catalog' },
    });
    expect(fromEnvelope(JSON.stringify(e))).toEqual(c);
  });

  it('refuses what is not a change event', () => {
    expect(() => fromEnvelope('not json')).toThrow(/not JSON/);
    expect(() => fromEnvelope('{"op":"upsert"}')).toThrow(/not a strangler change event/);
  });
});

describe('changeMessages', () => {
  it('routes changes to a topic per table, keyed by primary key, in order; truncates split per table', () => {
    const msgs = changeMessages(
      [
        change({}),
        change({ op: 'delete', before: { id: '1' }, after: null, position: { commitLsn: 0x20n, index: 0 } }),
        change({ op: 'truncate', table: 'public.items', tables: ['public.items', 'public.log_lines'], after: null, position: { commitLsn: 0x30n, index: 0 } }),
        change({ table: 'public.unknown' }),
      ],
      routing,
    );
    expect(msgs.map((m) => [m.topic, m.messages.length])).toEqual([
      ['strangler.catalog.public.items', 3],
      ['strangler.catalog.public.log_lines', 1],
    ]);
    const [insert, del, trunc] = msgs[0]!.messages;
    expect(insert!.key).toBe('{"id":"1"}');
    expect(del!.key).toBe('{"id":"1"}');
    expect(JSON.parse(String(del!.value)).op).toBe('delete');
    expect(trunc!.key).toBeNull();
    expect(fromEnvelope(String(msgs[1]!.messages[0]!.value))).toMatchObject({ op: 'truncate', table: 'public.log_lines', tables: ['public.log_lines'] });
  });

  it('relays outbox inserts to a topic per aggregate type and ignores outbox updates and deletes', () => {
    const row = { id: 'e1', aggregatetype: 'Stock', aggregateid: '42/1', type: 'StockLevelAdjusted', payload: '{"delta": 3}', created_at: 'x' };
    const msgs = changeMessages(
      [
        change({ table: 'public.outbox', after: row }),
        change({ table: 'public.outbox', op: 'delete', before: { id: 'e1' }, after: null }),
        change({ table: 'public.outbox', op: 'update', before: null, after: row }),
      ],
      routing,
    );
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.topic).toBe('outbox.event.Stock');
    expect(msgs[0]!.messages).toEqual([
      { key: '42/1', value: '{"delta": 3}', headers: { id: 'e1', eventType: 'StockLevelAdjusted', aggregateType: 'Stock', 'strangler.position': '16/B374D848#0', 'strangler.xid': '742' } },
    ]);
    expect(qualifiedName('outbox')).toBe('public.outbox');
    expect(qualifiedName('app.outbox')).toBe('app.outbox');
  });

  it('names the missing columns of a malformed outbox row', () => {
    expect(() => outboxMessage(change({ table: 'public.outbox', after: { id: 'e1', payload: '{}' } }))).toThrow(/lacks aggregatetype, aggregateid, type/);
  });
});

describe('freshChanges', () => {
  const v = (lsn: bigint, index: number) => JSON.stringify(toEnvelope(change({ position: { commitLsn: lsn, index } }), 'catalog'));

  it('skips what the recorded position covers and redelivered duplicates', () => {
    const { fresh, last } = freshChanges([v(0x10n, 0), v(0x10n, 1), v(0x20n, 0), v(0x10n, 1), v(0x20n, 0), null, v(0x30n, 0)], { commitLsn: 0x10n, index: 0 });
    expect(fresh.map((c) => `${c.position.commitLsn}#${c.position.index}`)).toEqual(['16#1', '32#0', '48#0']);
    expect(last).toEqual({ commitLsn: 0x30n, index: 0 });
  });

  it('reports a foreign message with its topic and offset as an environment error', () => {
    expect(() => freshChanges(['{}'], { commitLsn: 0n, index: -1 }, 'topic-a[0] from offset 7')).toThrow(/topic-a\[0\] from offset 7: not a strangler change event/);
  });
});

describe('outbox library', () => {
  it('inserts the event through a knex transaction', async () => {
    const inserted: { table: string; row: Record<string, unknown> }[] = [];
    const trx = Object.assign((table: string) => ({ insert: async (row: Record<string, unknown>) => void inserted.push({ table, row }) }), { raw: async () => undefined });
    const id = await emitEvent(trx, { aggregateType: 'Stock', aggregateId: 42, type: 'StockLevelAdjusted', payload: { delta: -1 } });
    expect(inserted).toEqual([{ table: 'outbox', row: { id, aggregatetype: 'Stock', aggregateid: '42', type: 'StockLevelAdjusted', payload: '{"delta":-1}' } }]);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('inserts the event through a pg client, into a named table', async () => {
    const queries: { sql: string; params?: unknown[] }[] = [];
    await emitEvent({ query: async (sql: string, params?: unknown[]) => void queries.push({ sql, params }) }, { id: 'e-1', aggregateType: 'Order', aggregateId: '7', type: 'OrderPlaced', payload: null }, { table: 'app.outbox' });
    expect(queries[0]!.sql).toMatch(/^INSERT INTO "app"."outbox" \(id, aggregatetype, aggregateid, type, payload\)/);
    expect(queries[0]!.params).toEqual(['e-1', 'Order', '7', 'OrderPlaced', 'null']);
  });

  it('refuses an event without a type or aggregate', () => {
    expect(() => outboxRow({ aggregateType: 'Stock', aggregateId: '1', type: '', payload: {} })).toThrow(OutboxEventError);
    expect(() => outboxRow({ aggregateType: 'Stock', aggregateId: '', type: 'X', payload: {} })).toThrow(/aggregateId/);
  });
});
