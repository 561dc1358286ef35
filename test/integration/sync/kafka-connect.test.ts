/**
 * The connector configs `strangler sync connect-config` writes, loaded into a real Kafka Connect worker (Apache
 * Kafka Connect + Debezium plugins from Maven Central, test/harness/kafka-connect.ts) on the harness broker and
 * PostgreSQL:
 * - Connect's validation of each config reports no error (the PostgreSQL source validates against the monolith);
 * - end to end: the Debezium source connector streams an INSERT/UPDATE/DELETE of the monolith to its topic, the
 *   JDBC sink connector applies them to the service database (an enum column, and updates that leave a TOASTed
 *   column unchanged, included), and the outbox connector routes an outbox insert to the same topic, key and
 *   headers strangler's own relay uses.
 * The files are registered as written (`POST /connectors` with the file), except that the secrets file they
 * name is a temporary file here instead of /opt/kafka/config/strangler-secrets.properties.
 */
import { execa } from 'execa';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SECRETS_FILE } from '../../../src/generators/debezium-connectors.ts';
import { createOutboxTableSql } from '../../../src/outbox/index.ts';
import { createTestDatabase, queryOnce } from '../../harness/databases.ts';
import { describeKafka, kafkaBrokers, readTopic, type TopicMessage } from '../../harness/kafka.ts';
import { kafkaConnectUnavailableReason, startKafkaConnect, type RunningKafkaConnect } from '../../harness/kafka-connect.ts';

const BIN = path.resolve('bin/strangler.js');

/** An enum column (the sink must let the server type its text), and a text column large enough to be TOASTed. */
const PRODUCTS_DDL = `CREATE TYPE product_status AS ENUM ('draft', 'active');
  CREATE TABLE products (id bigint PRIMARY KEY, name text NOT NULL, price numeric(12,2), status product_status NOT NULL DEFAULT 'draft', description text)`;
/** 6400 characters of hex that do not compress: stored out of line, so an update not touching it does not carry it. */
const BIG = `(SELECT string_agg(md5(i::text), '') FROM generate_series(1, 200) i)`;
const PRODUCTS = 'SELECT id::int, name, price::text, status::text, length(description) AS len, md5(description) FROM products ORDER BY id';

interface Connector {
  name: string;
  config: Record<string, string>;
}



async function poll<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const SUITE = 'Kafka Connect runs the configs of sync connect-config';
const noConnect = kafkaConnectUnavailableReason();
const describeConnect = (fn: () => void) => (noConnect ? describe.skip(`${SUITE} (skipped: ${noConnect})`, fn) : describeKafka(SUITE, fn));

describeConnect(() => {
  const run = randomBytes(3).toString('hex');
  const slot = `strangler_kc_${run}`;
  const topicPrefix = `strangler.kc${run}`;
  const aggregateType = `KcStock${run}`;
  const dbs: { drop(): Promise<void> }[] = [];
  let connect: RunningKafkaConnect | undefined;
  let dir: string;
  let source: string;
  let target: string;
  const connectors: Record<'source' | 'sink' | 'outbox', Connector> = {} as never;

  const rest = async (method: string, route: string, body?: unknown) => {
    const r = await fetch(`${connect!.url}${route}`, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  };

  /** true once the connector and its task run; a FAILED state fails with its trace. */
  const running = async (c: Connector): Promise<boolean> => {
    const s = await rest('GET', `/connectors/${encodeURIComponent(c.name)}/status`);
    if (s.status !== 200) return false;
    const states = [s.body.connector, ...s.body.tasks] as { state: string; trace?: string }[];
    const failed = states.find((x) => x.state === 'FAILED');
    if (failed) throw new Error(`${c.name} failed: ${failed.trace}\n${connect!.log().slice(-3000)}`);
    return s.body.tasks.length > 0 && states.every((x) => x.state === 'RUNNING');
  };

  /** Registers the connector as `sync connect-config` says (POST /connectors with the file) and waits until it runs. */
  const register = async (c: Connector) => {
    const created = await rest('POST', '/connectors', c);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await poll(`${c.name} to run`, async () => ((await running(c)) ? true : undefined));
  };

  /** Streaming has begun once the connector's slot is active: changes from now on are change events, not snapshot reads. */
  const slotActive = (name: string) =>
    poll(`slot ${name} to be active`, async () => {
      const r = await queryOnce(source, 'SELECT active FROM pg_replication_slots WHERE slot_name = $1', [name]);
      return r.rows[0]?.active ? true : undefined;
    });

  beforeAll(async () => {
    const starting = startKafkaConnect({ brokers: kafkaBrokers() });
    const [s, t] = await Promise.all([createTestDatabase('kconnect_src'), createTestDatabase('kconnect_tgt')]);
    dbs.push(s, t);
    source = s.url;
    target = t.url;
    await queryOnce(source, `${PRODUCTS_DDL}; ${createOutboxTableSql()}`);
    await queryOnce(source, `INSERT INTO products (id, name, price) VALUES (1, 'Lamp', 12.50)`);
    // schema.evolution=none: the service table exists, as `strangler extract` would have created it
    await queryOnce(target, PRODUCTS_DDL);

    dir = await mkdtemp(path.join(os.tmpdir(), 'strangler-kconnect-'));
    const config = path.join(dir, 'strangler.yaml');
    await writeFile(
      config,
      `version: 1\nmonolith:\n  database: ${source}\n` +
        `contexts:\n  catalog:\n    tables: [products]\n    service:\n      database: ${target}\n` +
        `    sync:\n      slot: ${slot}\n      publication: ${slot}\n      topicPrefix: ${topicPrefix}\n      outbox: outbox\n`,
    );
    const r = await execa('node', [BIN, '--config', config, 'sync', 'connect-config', 'catalog'], { reject: false, env: { NO_COLOR: '1' } });
    expect(r.exitCode, r.stderr).toBe(0);

    // the passwords, where the worker's FileConfigProvider reads them
    const secrets = path.join(dir, 'strangler-secrets.properties');
    const password = (url: string) => decodeURIComponent(new URL(url).password);
    await writeFile(secrets, `catalog.monolith.password=${password(source)}\ncatalog.service.password=${password(target)}\n`);
    const deploy = path.join(dir, 'services', 'catalog', 'deploy', 'kafka-connect');
    const load = async (file: string): Promise<Connector> =>
      JSON.parse((await readFile(path.join(deploy, file), 'utf8')).split(DEFAULT_SECRETS_FILE).join(secrets));
    connectors.source = await load('debezium-source.json');
    connectors.sink = await load('jdbc-sink.json');
    connectors.outbox = await load('debezium-outbox.json');
    connect = await starting;
  }, 600_000);

  afterAll(async () => {
    // the worker goes first: its replication connections must end before the databases can be dropped
    await connect?.stop();
    if (source) {
      await poll('the slots to be released', async () => {
        const r = await queryOnce(source, 'SELECT count(*)::int AS n FROM pg_replication_slots WHERE active AND slot_name LIKE $1', [`${slot}%`]);
        return r.rows[0].n === 0 ? true : undefined;
      }, 30_000).catch(() => {});
    }
    for (const d of dbs) await d.drop().catch(() => {});
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  /** `PUT /connector-plugins/<class>/config/validate`: the properties Connect reports errors on, as `key=value: errors`. */
  const validationErrors = async (c: Connector): Promise<string[]> => {
    const cls = c.config['connector.class']!;
    const r = await rest('PUT', `/connector-plugins/${encodeURIComponent(cls)}/config/validate`, { ...c.config, name: c.name });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const errors = (r.body.configs as { value: { name: string; value: unknown; errors: string[] } }[])
      .filter((x) => x.value.errors.length > 0)
      .map((x) => `${x.value.name}=${JSON.stringify(x.value.value)}: ${x.value.errors.join('; ')}`);
    expect(errors.length, JSON.stringify(r.body)).toBe(r.body.error_count);
    return errors;
  };

  it('validates each generated connector config without an error', async () => {
    for (const c of Object.values(connectors)) {
      expect(await validationErrors(c), `${c.name} (${c.config['connector.class']})`).toEqual([]);
    }
    // not vacuous: a wrong value, or a password the monolith refuses, is an error
    const src = connectors.source;
    expect(await validationErrors({ ...src, config: { ...src.config, 'plugin.name': 'no_such_decoder' } })).toEqual([
      expect.stringMatching(/^plugin\.name=/),
    ]);
    const wrongPassword = await validationErrors({ ...src, config: { ...src.config, 'database.password': 'wrong' } });
    expect(wrongPassword.join('\n')).toMatch(/password authentication failed/);
  });

  it('streams monolith changes through the Debezium source to its topic', async () => {
    await register(connectors.source);
    await slotActive(`${slot}_debezium`);
    await queryOnce(source, `INSERT INTO products VALUES (2, 'Desk', 99.00, 'active', ${BIG})`);
    await queryOnce(source, `UPDATE products SET name = 'Desk (oak)', price = 149.00 WHERE id = 2`);
    await queryOnce(source, 'DELETE FROM products WHERE id = 1');

    const topic = `${topicPrefix}.debezium.public.products`;
    const events = (ms: TopicMessage[]) =>
      ms.filter((m) => m.value !== null).map((m) => ({ key: JSON.parse(m.key!).payload, ...JSON.parse(m.value!).payload }));
    // until the delete's tombstone
    const messages = await readTopic(topic, (ms) => ms.some((m) => m.value === null), { waitForTopic: true, timeoutMs: 60_000 });
    const seen = events(messages).map((e) => ({ op: e.op, key: e.key, before: e.before?.id ?? null, after: e.after?.name ?? null }));
    expect(seen).toEqual([
      { op: 'r', key: { id: 1 }, before: null, after: 'Lamp' },
      { op: 'c', key: { id: 2 }, before: null, after: 'Desk' },
      { op: 'u', key: { id: 2 }, before: null, after: 'Desk (oak)' },
      { op: 'd', key: { id: 1 }, before: 1, after: null },
    ]);
    // the update left the TOASTed description alone: re-read from the monolith, not Debezium's placeholder
    const update = events(messages).find((e) => e.op === 'u');
    expect(update.after.description).toHaveLength(6400);
    expect(update.after.status).toBe('active');
    const first = events(messages)[0];
    expect(first.source).toMatchObject({ connector: 'postgresql', db: new URL(source).pathname.slice(1), schema: 'public', table: 'products' });
    // the delete is followed by a tombstone, which the sink's delete.enabled relies on
    expect(messages.at(-1)).toMatchObject({ value: null });
  });

  it('applies them to the service database through the JDBC sink', async () => {
    await register(connectors.sink);
    const matches = (what: string) =>
      poll(what, async () => {
        await running(connectors.sink); // a failed sink task fails here, with its trace
        const [want, got] = await Promise.all([queryOnce(source, PRODUCTS), queryOnce(target, PRODUCTS)]);
        return JSON.stringify(got.rows) === JSON.stringify(want.rows) ? got.rows : undefined;
      });
    expect(await matches('the service table to match the monolith')).toEqual([
      { id: 2, name: 'Desk (oak)', price: '149.00', status: 'active', len: 6400, md5: expect.any(String) },
    ]);
    // and what happens from now on, again with an update that leaves the TOASTed column alone
    await queryOnce(source, `INSERT INTO products (id, name, price) VALUES (3, 'Chair', 45.25); UPDATE products SET price = 139.00, status = 'draft' WHERE id = 2`);
    expect(await matches('the new changes in the service')).toMatchObject([
      { id: 2, price: '139.00', status: 'draft', len: 6400 },
      { id: 3, name: 'Chair', price: '45.25', status: 'draft', len: null },
    ]);
  });

  it('routes outbox inserts to the aggregate topic like strangler relay does', async () => {
    await register(connectors.outbox);
    await slotActive(`${slot}_outbox`);
    const id = randomUUID();
    await queryOnce(
      source,
      `INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) VALUES ($1, $2, 'p-2', 'StockLevelAdjusted', '{"product_id": 2, "delta": -1}')`,
      [id, aggregateType],
    );
    const [m] = await readTopic(`outbox.event.${aggregateType}`, (ms) => ms.length > 0, { waitForTopic: true, timeoutMs: 60_000 });
    expect(m).toBeDefined();
    expect(m!.key).toBe('p-2');
    expect(JSON.parse(m!.value!)).toEqual({ product_id: 2, delta: -1 });
    expect(m!.headers).toMatchObject({ id, eventType: 'StockLevelAdjusted', aggregateType });
  });
});
