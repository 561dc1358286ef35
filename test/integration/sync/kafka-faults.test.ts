/**
 * Kafka faults seen from the command line: an unreachable broker is retried with backoff and a status line per
 * attempt; once --max-retries is exhausted sync exits 3 with one line naming the broker. And
 * `sync connect-config` writes the Kafka Connect configs under services/<domain>/deploy/.
 */
import { execa } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxTableSql } from '../../../src/outbox/index.ts';
import { createTestDatabase } from '../../harness/databases.ts';
import { freePort } from '../../harness/postgres-server.ts';
import { createSourceSchema, SYNC_TABLES } from './sync-fixture.ts';

const BIN = path.resolve('bin/strangler.js');
const dbs: { drop(): Promise<void> }[] = [];
let dir: string;

afterAll(async () => {
  for (const d of dbs) await d.drop().catch(() => {});
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('sync --via kafka with the broker unreachable', () => {
  let config: string;
  let broker: string;
  beforeAll(async () => {
    const [s, t] = await Promise.all([createTestDatabase('kfault_src'), createTestDatabase('kfault_tgt')]);
    dbs.push(s, t);
    await createSourceSchema(s.url, 200);
    broker = `127.0.0.1:${await freePort()}`;
    dir = await mkdtemp(path.join(os.tmpdir(), 'strangler-kafka-fault-'));
    config = path.join(dir, 'strangler.yaml');
    await writeFile(
      config,
      `version: 1\nmonolith:\n  database: ${s.url}\nkafka:\n  brokers: [${broker}]\n` +
        `contexts:\n  catalog:\n    tables: [${SYNC_TABLES.join(', ')}]\n    service:\n      database: ${t.url}\n    sync:\n      outbox: outbox\n`,
    );
    // the outbox table the config names must exist in the monolith
    const c = new pg.Client({ connectionString: s.url });
    await c.connect();
    await c.query(createOutboxTableSql()).finally(() => c.end());
  });

  it('retries with a status line, then exits 3 with one line naming the broker', async () => {
    const r = await execa('node', [BIN, '--config', config, 'sync', 'start', 'catalog', '--via', 'kafka', '--max-retries', '2'], { reject: false, env: { NO_COLOR: '1' } });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(3);
    const retries = r.stdout.split('\n').filter((l) => /retrying in/.test(l));
    expect(retries, r.stdout).toHaveLength(2);
    expect(retries[0]).toContain(`cannot reach Kafka (brokers ${broker})`);
    const err = r.stderr.trim().split('\n');
    expect(err, r.stderr).toHaveLength(1);
    expect(err[0]).toMatch(new RegExp(`^strangler: sync catalog gave up after 3 attempts: cannot reach Kafka \\(brokers ${broker.replace(/\./g, '\\.')}\\): .* — is Kafka running there\\? check kafka.brokers in strangler.yaml$`));
  });

  it('refuses an outbox with direct sync in one line (exit 2)', async () => {
    const r = await execa('node', [BIN, '--config', config, 'sync', 'start', 'catalog', '--via', 'direct'], { reject: false, env: { NO_COLOR: '1' } });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr.trim()).toMatch(/contexts\.catalog\.sync\.outbox relays domain events to Kafka, but this sync runs via direct — use --via kafka/);
  });

  it('writes the Debezium source, JDBC sink and outbox connector configs', async () => {
    const r = await execa('node', [BIN, '--config', config, 'sync', 'connect-config', 'catalog'], { reject: false, env: { NO_COLOR: '1' } });
    expect(r.exitCode, r.stderr).toBe(0);
    const deploy = path.join(dir, 'services', 'catalog', 'deploy', 'kafka-connect');
    const source = JSON.parse(await readFile(path.join(deploy, 'debezium-source.json'), 'utf8'));
    const sink = JSON.parse(await readFile(path.join(deploy, 'jdbc-sink.json'), 'utf8'));
    const outbox = JSON.parse(await readFile(path.join(deploy, 'debezium-outbox.json'), 'utf8'));
    expect(source.config['table.include.list']).toBe('public\\.items,public\\.pairs,public\\.log_lines');
    expect(sink.config['connector.class']).toBe('io.debezium.connector.jdbc.JdbcSinkConnector');
    expect(outbox.config['transforms.outbox.type']).toBe('io.debezium.transforms.outbox.EventRouter');
    expect(r.stdout).toMatch(/wrote the Kafka Connect configuration of catalog/);
    expect(r.stdout).toMatch(/note: passwords come from/);
  });
});
