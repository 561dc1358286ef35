/**
 * The moved code answers like the monolith: for `catalog` and the write-heavy `cart`, `strangler extract` writes the
 * service, its migrations create the tables (with their foreign keys), the sync engine's backfill fills them from a
 * seeded monolith database, the service runs as its own process, and `strangler verify-parity <domain> --api` over
 * every moved GET route (with data parity) exits 0. Then a moved handler is edited in the generated service: the
 * same command exits 1 and names the route. Real PostgreSQL, real HTTP, the CLI as a process.
 */
import { execa, type ResultPromise } from 'execa';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateLatest, seedDatabase, startServer, type RunningServer } from '../../fixtures/sample-monolith/src/index.ts';
import { runExtract } from '../../src/commands/extract.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { runSync, type SyncRunResult } from '../../src/sync/sync-engine.ts';
import type { SyncEvent } from '../../src/sync/sync-events.ts';
import { createTestDatabase } from '../harness/databases.ts';
import { installOutboxPackage } from '../harness/outbox-package.ts';
import { until } from '../harness/until.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(repo, 'bin/strangler.js');
const work = path.join(repo, '.cache', `extract-parity-${process.pid}`);
const config = path.join(work, 'strangler.yaml');
const DOMAINS = ['catalog', 'cart'] as const;
type Db = Awaited<ReturnType<typeof createTestDatabase>>;
const slotOf = (d: string) => `xp_${d}_${process.pid}`;

const dbs: Db[] = [];
const syncs: { controller: AbortController; run: Promise<SyncRunResult> }[] = [];
const services: ResultPromise[] = [];
let monolith: Db;
let shop: RunningServer;

/** Starts a generated service as its own process; its URL once it logs that it listens. */
async function startService(dir: string, env: Record<string, string>): Promise<string> {
  const child = execa('node', ['--import', 'tsx', 'src/server.ts'], { cwd: dir, env: { ...env, PORT: '0', HOST: '127.0.0.1', NO_COLOR: '1' }, reject: false });
  services.push(child);
  return new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (b: Buffer) => {
      seen += b.toString();
      const m = /"url":"(http:\/\/[^"]+)"/.exec(seen);
      if (m) resolve(m[1]!);
    });
    child.then((r) => reject(new Error(`service exited ${r.exitCode}: ${r.stderr || seen}`)), reject);
  });
}

async function stopService(child: ResultPromise): Promise<void> {
  child.kill('SIGTERM');
  await child;
}

beforeAll(async () => {
  monolith = await createTestDatabase('xp_monolith');
  dbs.push(monolith);
  await migrateLatest(monolith.url);
  await seedDatabase(monolith.url, { scale: 1, seed: 5 });
  shop = await startServer({ databaseUrl: monolith.url });
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await installOutboxPackage(work);
  const serviceDbs: Record<string, Db> = {};
  for (const d of DOMAINS) serviceDbs[d] = await createTestDatabase(`xp_${d}`);
  dbs.push(...Object.values(serviceDbs));
  await writeFile(config, `version: 1\nmonolith:\n  name: sample-shop\n  source: ../../fixtures/sample-monolith\n  database: ${monolith.url}\n  url: ${shop.url}\ncontexts: {}\n`);
  const adopt = await execa('node', [bin, '--config', config, 'context', 'add', '--from', path.join(repo, 'fixtures/sample-monolith/domains.yaml')], { reject: false, env: { NO_COLOR: '1' } });
  expect(adopt.exitCode, adopt.stderr).toBe(0);
  let text = await readFile(config, 'utf8');
  for (const d of DOMAINS) text = text.replace(new RegExp(`(\\n  ${d}:\\n)`), `$1    service:\n      database: ${serviceDbs[d]!.url}\n    sync:\n      slot: ${slotOf(d)}\n`);
  await writeFile(config, text);
  for (const d of DOMAINS) {
    const r = await runExtract({ domain: d, configFile: config, force: false, dryRun: false });
    expect(r.notMoved, d).toEqual([]);
    const dir = path.join(work, 'services', d);
    const migrate = await execa('node', ['--import', 'tsx', 'src/migrate.ts'], { cwd: dir, env: { DATABASE_URL: serviceDbs[d]!.url }, reject: false });
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    // fill the migrated tables: the sync engine's backfill, then streaming
    const { config: loaded } = await loadConfig(config);
    const controller = new AbortController();
    const events: SyncEvent[] = [];
    const run = runSync({
      context: d,
      sourceUrl: monolith.url,
      targetUrl: serviceDbs[d]!.url,
      tables: loaded.contexts[d]!.tables,
      targetSchema: 'public',
      slot: slotOf(d),
      publication: slotOf(d),
      batchSize: 500,
      signal: controller.signal,
      onEvent: (e) => events.push(e),
    });
    let failed: unknown;
    run.catch((e) => (failed = e));
    syncs.push({ controller, run });
    await until(`sync ${d} streaming`, () => failed !== undefined || events.some((e) => e.type === 'streaming'), 60_000);
    if (failed) throw failed;
  }
}, 300_000);

afterAll(async () => {
  for (const s of services) await stopService(s).catch(() => {});
  for (const s of syncs) {
    s.controller.abort();
    await s.run.catch(() => {});
  }
  await shop?.close();
  for (const d of dbs) await d.drop().catch(() => {});
  await rm(work, { recursive: true, force: true });
});

const parity = (domain: string, serviceUrl: string) =>
  execa('node', [bin, '--config', config, '--json', 'verify-parity', domain, '--api', '--service-url', serviceUrl, '--wait-sync', '60'], { reject: false, env: { NO_COLOR: '1' } });

describe('the moved code answers like the monolith', () => {
  for (const domain of DOMAINS) {
    it(`${domain}: verify-parity --api over every moved GET route exits 0`, async () => {
      const dir = path.join(work, 'services', domain);
      const { config: loaded } = await loadConfig(config);
      const env = { DATABASE_URL: loaded.contexts[domain]!.service.database!, MONOLITH_DATABASE_URL: monolith.url };
      const url = await startService(dir, env);
      const r = await parity(domain, url);
      expect(r.exitCode, `${r.stdout.slice(0, 3000)}\n${r.stderr}`).toBe(0);
      const result = JSON.parse(r.stdout) as { api: { endpoints: { endpoint: string; requests: number }[] }; data: { tables: { equal: boolean; sourceRows: number }[] } };
      const gets = loaded.contexts[domain]!.routes.filter((x) => x.startsWith('GET '));
      const replayed = result.api.endpoints.map((e) => e.endpoint);
      for (const g of gets) expect(replayed, g).toContain(g);
      for (const e of result.api.endpoints) expect(e.requests, e.endpoint).toBeGreaterThan(0);
      expect(result.data.tables.every((t) => t.equal)).toBe(true);
      expect(result.data.tables.some((t) => t.sourceRows > 0)).toBe(true);
    }, 180_000);
  }

  it('catalog: after a moved handler is edited in the service, verify-parity exits 1 naming the route', async () => {
    const dir = path.join(work, 'services', 'catalog');
    const file = path.join(dir, 'src/domain/controllers/shop-controller.ts');
    const text = await readFile(file, 'utf8');
    // the brands listing now stops after the first brand
    const edited = text.replace("res.json(await db()('brands')", "res.json(await db()('brands').limit(1)");
    expect(edited).not.toBe(text);
    await writeFile(file, edited);
    for (const s of services.splice(0)) await stopService(s);
    const { config: loaded } = await loadConfig(config);
    const url = await startService(dir, { DATABASE_URL: loaded.contexts.catalog!.service.database!, MONOLITH_DATABASE_URL: monolith.url });
    const r = await execa('node', [bin, '--config', config, 'verify-parity', 'catalog', '--api', '--no-data', '--service-url', url], { reject: false, env: { NO_COLOR: '1' } });
    expect(r.exitCode, r.stdout).toBe(1);
    expect(r.stdout).toContain('GET /brands');
    expect(r.stdout).toMatch(/FAIL: 1 endpoint\(s\) answer differently/);
  }, 180_000);
});
