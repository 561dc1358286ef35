/**
 * Sync through a real Kafka broker: backfill, then changes produced to one topic per table and applied by the
 * consumer group, under a concurrent write workload; at the end the service equals the monolith row by row.
 * Also the transactional outbox: events emitted in a monolith transaction reach their aggregate topic, events of
 * rolled-back transactions never do.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createKafka } from '../../../src/adapters/kafka.ts';
import { createOutboxTableSql, emitEvent } from '../../../src/outbox/index.ts';
import { fromEnvelope } from '../../../src/sync/kafka-envelope.ts';
import { kafkaSinkFactory } from '../../../src/sync/kafka-transport.ts';
import { runSync } from '../../../src/sync/sync-engine.ts';
import { readSyncStatus } from '../../../src/sync/sync-status.ts';
import type { SyncEvent } from '../../../src/sync/sync-events.ts';
import { createTestDatabase } from '../../harness/databases.ts';
import { describeKafka, kafkaBrokers, readTopic } from '../../harness/kafka.ts';
import { createSourceSchema, isEqual, startWorkload, SYNC_TABLES, waitForEqual } from './sync-fixture.ts';

const dbs: { drop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const d of dbs) await d.drop().catch(() => {});
});

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}


describeKafka('sync --via kafka: backfill + streaming under a concurrent workload', () => {
  let source: string;
  let target: string;
  const run = randomBytes(3).toString('hex');
  const context = `kcat_${run}`;
  const topicPrefix = `strangler.${context}`;
  const outboxPrefix = `outbox.${run}`;
  beforeAll(async () => {
    const s = await createTestDatabase('ksync_src');
    const t = await createTestDatabase('ksync_tgt');
    dbs.push(s, t);
    source = s.url;
    target = t.url;
    await createSourceSchema(source, 3000);
    await withClient(source, (c) => c.query(createOutboxTableSql()));
  });

  const start = (controller: AbortController, events: SyncEvent[]) =>
    runSync({
      context,
      sourceUrl: source,
      targetUrl: target,
      tables: SYNC_TABLES,
      targetSchema: 'public',
      slot: `slot_${context}`,
      publication: `pub_${context}`,
      batchSize: 200,
      sink: kafkaSinkFactory({ domain: context, targetUrl: target, topicPrefix, kafka: { brokers: kafkaBrokers(), clientId: 'test' }, outbox: { table: 'outbox', topicPrefix: outboxPrefix } }),
      via: 'kafka',
      relayTables: ['outbox'],
      signal: controller.signal,
      onEvent: (e) => events.push(e),
    });

  it('ends with the service equal to the monolith, row by row, and relays the outbox', async () => {
    const brokers = kafkaBrokers();
    const controller = new AbortController();
    const events: SyncEvent[] = [];
    const workload = startWorkload(source, { seed: 11 });
    const running = start(controller, events);
    let failed: unknown;
    running.catch((e) => (failed = e));

    // domain events next to the writes (once the slot exists): committed ones are relayed, a rolled-back one is not
    for (let i = 0; i < 300 && !events.some((e) => e.type === 'streaming') && !failed; i++) await new Promise((r) => setTimeout(r, 100));
    const emitted: string[] = [];
    await withClient(source, async (c) => {
      for (let i = 0; i < 5; i++) {
        await c.query('BEGIN');
        await c.query(`UPDATE items SET price = price + 1 WHERE id = $1`, [i + 1]);
        emitted.push(await emitEvent(c, { aggregateType: 'Stock', aggregateId: `${i + 1}/1`, type: 'StockLevelAdjusted', payload: { productId: i + 1, delta: 1 } }));
        await c.query('COMMIT');
      }
      await c.query('BEGIN');
      await emitEvent(c, { aggregateType: 'Stock', aggregateId: 'rolled-back', type: 'StockLevelAdjusted', payload: {} });
      await c.query('ROLLBACK');
    });

    await new Promise((r) => setTimeout(r, 5_000));
    const w = await workload.stop();
    expect(w.operations).toBeGreaterThan(100);
    const cmp = await waitForEqual(source, target, 60_000);
    expect(failed).toBeUndefined();
    expect(cmp).toEqual(cmp.map((c) => ({ ...c, lost: 0, extra: 0, diverged: 0 })));
    expect(cmp.find((c) => c.table === 'items')!.sourceRows).toBeGreaterThan(2000);

    // a truncate and a TOASTed value left unchanged travel through Kafka too
    await withClient(source, async (c) => {
      await c.query(`UPDATE items SET price = 2.5 WHERE big IS NOT NULL`);
      await c.query(`TRUNCATE log_lines`);
      await c.query(`INSERT INTO log_lines VALUES ('after truncate', 1)`);
    });
    expect(isEqual(await waitForEqual(source, target, 30_000))).toBe(true);
    const toasted = await withClient(target, (c) => c.query(`SELECT count(*)::int AS n FROM items WHERE big IS NOT NULL AND price = 2.5`));
    expect(toasted.rows[0].n).toBeGreaterThan(0);

    controller.abort();
    const result = await running;
    expect(result.stoppedBy).toBe('signal');
    expect(events.some((e) => e.type === 'backfill-done')).toBe(true);

    // the change topics hold the documented envelope, keyed by primary key
    const items = await readTopic(`${topicPrefix}.public.items`, (m) => m.length >= 1, { brokers, timeoutMs: 15_000, settleMs: 500 });
    const first = fromEnvelope(items[0]!.value!);
    expect(first.table).toBe('public.items');
    expect(JSON.parse(items.find((m) => m.key)!.key!)).toHaveProperty('id');
    const envelope = JSON.parse(items[0]!.value!);
    expect(Object.keys(envelope.source).sort()).toEqual(['commitTime', 'context', 'index', 'lsn', 'table', 'xid']);

    // the outbox: one message per committed event, keyed by aggregate id, with the event id and type as headers
    const relayed = await readTopic(`${outboxPrefix}.Stock`, (m) => m.length >= emitted.length, { brokers, settleMs: 500 });
    const ids = relayed.map((m) => m.headers.id);
    expect(new Set(ids)).toEqual(new Set(emitted));
    expect(relayed.some((m) => m.key === 'rolled-back')).toBe(false);
    expect(relayed[0]).toMatchObject({ key: '1/1', headers: { eventType: 'StockLevelAdjusted', aggregateType: 'Stock' } });
    expect(JSON.parse(relayed[0]!.value!)).toEqual({ productId: 1, delta: 1 });

    // offsets were committed only after the apply: the group has nothing left to apply
    const admin = createKafka({ brokers }).admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchOffsets({ groupId: `strangler-sync-${context}`, topics: [`${topicPrefix}.public.items`] });
      const latest = await admin.fetchTopicOffsets(`${topicPrefix}.public.items`);
      expect(offsets[0]!.partitions[0]!.offset).toBe(latest[0]!.high);
    } finally {
      await admin.disconnect();
    }
    const slot = await withClient(source, (c) => c.query(`SELECT active FROM pg_replication_slots WHERE slot_name = $1`, [`slot_${context}`]));
    expect(slot.rows[0].active).toBe(false);
    // status shows where the service stands: the furthest position applied from any topic
    const status = await readSyncStatus({ context, sourceUrl: source, targetUrl: target, slot: `slot_${context}`, publication: `pub_${context}`, warnRetainedBytes: 1 << 30 });
    expect(status.target.lastAppliedPosition).toMatch(/^[0-9A-F]+\/[0-9A-F]+#\d+$/);
    expect(status.target.rowsApplied).toBeGreaterThan(0);
  });
  it('skips redelivered and re-produced events: nothing is applied twice', async () => {
    const brokers = kafkaBrokers();
    const topic = `${topicPrefix}.public.log_lines`;
    // three rows without a primary key in one statement: one LSN, three indexes
    await withClient(source, (c) => c.query(`INSERT INTO log_lines VALUES ('late', 9), ('late', 9), ('late', 9)`));
    let controller = new AbortController();
    let running = start(controller, []);
    expect(isEqual(await waitForEqual(source, target, 30_000))).toBe(true);
    controller.abort();
    await running;

    // the last three events are produced again (as after a crash before the slot was acknowledged), and the
    // group's offset is moved back over all six (as after a crash before the offset commit)
    const kafka = createKafka({ brokers });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const high = Number((await admin.fetchTopicOffsets(topic))[0]!.high);
      const last = (await readTopic(topic, (m) => m.length >= high, { brokers, timeoutMs: 15_000, settleMs: 500 })).slice(-3);
      expect(last.map((m) => fromEnvelope(m.value!).after)).toEqual([{ msg: 'late', n: '9' }, { msg: 'late', n: '9' }, { msg: 'late', n: '9' }]);
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: last.map((m) => ({ key: m.key, value: m.value })) });
      await producer.disconnect();
      await admin.setOffsets({ groupId: `strangler-sync-${context}`, topic, partitions: [{ partition: 0, offset: String(high - 3) }] });
    } finally {
      await admin.disconnect();
    }

    controller = new AbortController();
    running = start(controller, []);
    // wait until the group has consumed everything again, then compare
    const admin2 = kafka.admin();
    await admin2.connect();
    try {
      const high = (await admin2.fetchTopicOffsets(topic))[0]!.high;
      for (let i = 0; i < 150; i++) {
        const committed = (await admin2.fetchOffsets({ groupId: `strangler-sync-${context}`, topics: [topic] }))[0]!.partitions[0]!.offset;
        if (committed === high) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect((await admin2.fetchOffsets({ groupId: `strangler-sync-${context}`, topics: [topic] }))[0]!.partitions[0]!.offset).toBe(high);
    } finally {
      await admin2.disconnect();
    }
    const cmp = await waitForEqual(source, target, 5_000);
    controller.abort();
    await running;
    expect(cmp.find((c) => c.table === 'log_lines')).toMatchObject({ lost: 0, extra: 0 });
    expect(isEqual(cmp)).toBe(true);
  });
});
