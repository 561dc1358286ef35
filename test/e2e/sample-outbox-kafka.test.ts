/**
 * The transactional outbox on the sample monolith, end to end: the shop migrated and seeded, `strangler sync start
 * orders --via kafka` running as a process with `sync.outbox: outbox`, an order placed through the shop's HTTP API
 * (its checkout emits OrderPlaced with strangler-fig/outbox inside the order's transaction), and the event read back
 * from the Kafka topic `outbox.event.order` with kafkajs: keyed by the order id, the event id and type in the
 * headers, the payload as the checkout wrote it. A checkout that fails (empty cart) produces no event, and the
 * order's own rows reach the service database through the same sync.
 */
import { execa } from 'execa';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrateLatest, seedDatabase, startServer, type RunningServer } from '../../fixtures/sample-monolith/src/index.ts';
import { createTestDatabase, queryOnce } from '../harness/databases.ts';
import { describeKafka, kafkaBrokers, readTopic, type TopicMessage } from '../harness/kafka.ts';
import { until } from '../harness/until.ts';

const bin = fileURLToPath(new URL('../../bin/strangler.js', import.meta.url));
const dbs: { drop(): Promise<void> }[] = [];
let dir: string;
let monolith: string;
let service: string;
let shop: RunningServer | undefined;
const strangler = (...args: string[]) =>
  execa('node', [bin, '--config', path.join(dir, 'strangler.yaml'), ...args], { cwd: dir, reject: false, env: { NO_COLOR: '1' } });

describeKafka('sample monolith: checkout emits OrderPlaced through the outbox, relayed by strangler sync --via kafka', () => {
  beforeAll(async () => {
    const m = await createTestDatabase('outbox_shop');
    const s = await createTestDatabase('outbox_orders');
    dbs.push(m, s);
    monolith = m.url;
    service = s.url;
    await migrateLatest(monolith);
    await seedDatabase(monolith, { scale: 1, seed: 42 });
    dir = await mkdtemp(path.join(os.tmpdir(), 'sample-outbox-'));
    await writeFile(
      path.join(dir, 'strangler.yaml'),
      [
        'version: 1',
        'monolith:',
        `  database: ${monolith}`,
        'kafka:',
        `  brokers: [${kafkaBrokers().join(', ')}]`,
        'contexts:',
        '  orders:',
        '    tables: [orders, order_items, order_status_history, shipments]',
        '    service:',
        `      database: ${service}`,
        '    sync:',
        '      outbox: outbox',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await shop?.close();
    if (dir) await strangler('sync', 'stop', 'orders');
    for (const d of dbs) await d.drop().catch(() => {});
  });

  it('an order placed over HTTP arrives on outbox.event.order with its items; a failed checkout sends nothing', async () => {
    const started = await strangler('--json', 'sync', 'start', 'orders', '--via', 'kafka', '--detach');
    expect(started.exitCode, started.stderr).toBe(0);
    await until('the orders sync to stream', async () => {
      const status = await strangler('--json', 'sync', 'status', 'orders');
      return status.exitCode === 0 && JSON.parse(status.stdout).contexts[0]?.target?.phase === 'streaming';
    }, 90_000);

    shop = await startServer({ databaseUrl: monolith });
    const call = async (method: string, route: string, body?: unknown) => {
      const res = await fetch(`${shop!.url}${route}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : null };
    };
    await call('DELETE', '/carts/10');
    expect((await call('POST', '/carts/10/items', { productId: 5, quantity: 2 })).status).toBe(201);
    expect((await call('POST', '/carts/10/items', { productId: 7, quantity: 1 })).status).toBe(201);
    const placed = await call('POST', '/checkout', { userId: 10 });
    expect(placed.status, JSON.stringify(placed.json)).toBe(201);
    const order = placed.json as { orderId: number; publicId: string; total: string; status: string };
    // the cart is now empty: this checkout fails (400) and its transaction, had it got that far, emits nothing
    expect((await call('POST', '/checkout', { userId: 10 })).status).toBe(400);

    const emitted = await queryOnce(monolith, `SELECT id::text, aggregateid, payload FROM outbox WHERE aggregatetype = 'order' AND type = 'OrderPlaced'`);
    expect(emitted.rows).toHaveLength(1);
    const eventId = emitted.rows[0].id as string;

    const ours = (m: TopicMessage) => m.value !== null && JSON.parse(m.value).publicId === order.publicId;
    const messages = await readTopic('outbox.event.order', (seen) => seen.some(ours), { waitForTopic: true, settleMs: 1_000 });
    const relayed = messages.filter(ours);
    expect(relayed).toHaveLength(1);
    expect(relayed[0]).toMatchObject({ key: String(order.orderId), headers: { id: eventId, eventType: 'OrderPlaced', aggregateType: 'order' } });
    const event = JSON.parse(relayed[0]!.value!);
    expect(event).toMatchObject({ orderId: order.orderId, publicId: order.publicId, userId: 10, status: 'paid', total: order.total });
    expect(event.items.map((i: { productId: number; quantity: number }) => [i.productId, i.quantity])).toEqual([[5, 2], [7, 1]]);
    expect(event).toEqual(emitted.rows[0].payload);

    // the order's own rows reach the orders service through the same sync
    await until('the order in the service database', async () => {
      const r = await queryOnce(service, `SELECT status::text FROM orders WHERE id = $1`, [order.orderId]).catch(() => ({ rows: [] as { status: string }[] }));
      return r.rows[0]?.status === 'paid';
    });

    const stopped = await strangler('sync', 'stop', 'orders');
    expect(stopped.exitCode, stopped.stderr).toBe(0);
  });
});
