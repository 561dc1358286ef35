// verify-parity end to end on the sample monolith: two databases seeded alike, one shop process per database
// (the "service" is a second instance of the monolith on its own database), the CLI as a process.
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateLatest, seedDatabase } from '../../fixtures/sample-monolith/src/index.ts';
import { createTestDatabase } from '../harness/databases.ts';
import { freePort } from '../harness/postgres-server.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(root, 'bin/strangler.js');
type Db = Awaited<ReturnType<typeof createTestDatabase>>;

async function serve(databaseUrl: string): Promise<{ url: string; child: ResultPromise }> {
  const port = await freePort();
  const child = execa(process.execPath, ['--conditions=strangler-source', '--import', 'tsx', path.join(root, 'fixtures/sample-monolith/scripts/serve.ts')], {
    cwd: root,
    env: { DATABASE_URL: databaseUrl, PORT: String(port) },
    reject: false,
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${url}/brands`).then((r) => r.ok, () => false);
    if (ok) return { url, child };
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the sample shop did not start on ${url}`);
}

async function exec(url: string, sql: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

describe('strangler verify-parity on the sample monolith', () => {
  let monolithDb: Db;
  let serviceDb: Db;
  let monolith: { url: string; child: ResultPromise };
  let service: { url: string; child: ResultPromise };
  let dir: string;

  beforeAll(async () => {
    monolithDb = await createTestDatabase('vp_monolith');
    serviceDb = await createTestDatabase('vp_service');
    for (const d of [monolithDb, serviceDb]) {
      await migrateLatest(d.url);
      await seedDatabase(d.url, { scale: 1, seed: 5 });
    }
    [monolith, service] = await Promise.all([serve(monolithDb.url), serve(serviceDb.url)]);
    dir = await mkdtemp(path.join(os.tmpdir(), 'vp-'));
    await writeFile(
      path.join(dir, 'strangler.yaml'),
      [
        'monolith:',
        `  database: ${monolithDb.url}`,
        `  url: ${monolith.url}`,
        'contexts:',
        '  catalog:',
        '    tables: [categories, brands, products, product_images, product_reviews]',
        "    routes: ['GET /products', 'GET /products/:id', 'GET /categories', 'GET /categories/:id/products', 'GET /brands', 'GET /products/:id/reviews', 'POST /products/:id/reviews']",
        '    service:',
        `      database: ${serviceDb.url}`,
        `      url: ${service.url}`,
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    for (const s of [monolith, service]) s?.child.kill();
    await Promise.all([monolith?.child, service?.child]);
    await monolithDb?.drop();
    await serviceDb?.drop();
  });

  const run = (args: string[]) => execa('node', [bin, ...args], { cwd: dir, reject: false, env: { NO_COLOR: '1' } });

  it('exits 0 when data and API agree, and writes JUnit and Markdown', async () => {
    const r = await run(['verify-parity', 'catalog', '--api', '--junit', 'junit.xml', '--markdown', 'parity.md']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^products\s+300\s+300\s+0\s+0\s+0\s+equal$/m);
    expect(r.stdout).toMatch(/^GET \/products\/:id\s+3\s+0\s/m);
    expect(r.stdout).toContain('PASS: monolith and service agree');
    expect(r.stdout).toContain('warning: 1 route(s) with unsafe methods not replayed');
    const junit = await readFile(path.join(dir, 'junit.xml'), 'utf8');
    expect(junit).toContain('<testsuite name="data parity: catalog" tests="5" failures="0">');
    expect(junit).toContain('<testsuite name="api parity: catalog" tests="6" failures="0">');
    expect(await readFile(path.join(dir, 'parity.md'), 'utf8')).toContain('### ✅ Parity of `catalog`');
  });

  it('exits 1 after a manual change in the service database, naming the row, the endpoint and the JSON path', async () => {
    await exec(serviceDb.url, `UPDATE products SET name = 'tampered' WHERE id = 2`);
    const r = await run(['--json', 'verify-parity', 'catalog', '--api', '--junit', 'junit.xml']);
    expect(r.exitCode).toBe(1);
    const result = JSON.parse(r.stdout);
    const products = result.data.tables.find((t: { table: string }) => t.table === 'products');
    expect(products.differences).toEqual([
      { kind: 'changed', key: { id: '2' }, columns: [{ column: 'name', source: expect.any(String), target: 'tampered' }] },
    ]);
    const byId = result.api.endpoints.find((e: { endpoint: string }) => e.endpoint === 'GET /products/:id');
    expect(byId.examples[0]).toMatchObject({ path: '/products/2', fields: [{ path: '$.name', service: 'tampered' }] });
    expect(result.failures).toEqual(['1 data difference(s) in 1 table(s) (allowed: 0)', expect.stringMatching(/endpoint\(s\) answer differently \(allowed: 0\)$/)]);
    const junit = await readFile(path.join(dir, 'junit.xml'), 'utf8');
    expect(junit).toContain('<failure message="0 missing, 0 extra, 1 changed">changed: id=2: name');

    const text = await run(['verify-parity', 'catalog', '--tables', 'products']);
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toMatch(/changed: id=2: name ".*" -> "tampered"/);
    expect(text.stdout).toContain('FAIL: 1 data difference(s) in 1 table(s) (allowed: 0)');
    const allowed = await run(['verify-parity', 'catalog', '--tables', 'products', '--fail-on', 'data=1']);
    expect(allowed.exitCode).toBe(0);
  });

  it('--wait-sync without any sync state compares anyway and says so; the JSON result carries it', async () => {
    const r = await run(['verify-parity', 'catalog', '--tables', 'brands', '--wait-sync', '2']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('warning: --wait-sync: no sync state for catalog (no strangler_sync.checkpoints in the service database, no slot strangler_catalog)');
    const j = await run(['--json', 'verify-parity', 'catalog', '--tables', 'brands', '--wait-sync', '2']);
    expect(JSON.parse(j.stdout).waitSync).toEqual({ waited: false, seconds: 0, warnings: [expect.stringContaining('--wait-sync: no sync state')] });
  });

  it('bad usage: unknown context (2), malformed corpus (2, file:line), unreachable service (3)', async () => {
    const unknown = await run(['verify-parity', 'shipping']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr.trim()).toBe('strangler: strangler.yaml: no context "shipping" — known contexts: catalog');
    await writeFile(path.join(dir, 'bad.jsonl'), '{"method":"GET","path":"/brands"}\nnot json\n');
    const corpus = await run(['verify-parity', 'catalog', '--no-data', '--api', '--corpus', 'bad.jsonl']);
    expect(corpus.exitCode).toBe(2);
    expect(corpus.stderr).toMatch(/^strangler: bad\.jsonl:2: not valid JSON/);
    const port = await freePort();
    const down = await run(['verify-parity', 'catalog', '--no-data', '--api', '--service-url', `http://127.0.0.1:${port}`]);
    expect(down.exitCode).toBe(3);
    expect(down.stderr).toContain(`cannot reach the service at http://127.0.0.1:${port}`);
    const badFlag = await run(['verify-parity', 'catalog', '--min-age', 'soon']);
    expect(badFlag.exitCode).toBe(2);
    await writeFile(path.join(dir, 'bad.har'), '{"log": {"entries": [{"request": {"url": "http://x/brands"}}]}}');
    const har = await run(['verify-parity', 'catalog', '--no-data', '--api', '--corpus', 'bad.har']);
    expect(har.exitCode).toBe(2);
    expect(har.stderr.trim()).toBe('strangler: bad.har: log.entries[0] has no request method or url — fix or remove that entry');
  });

  it('bad data input: no primary key (2, or --full-row), type mismatch (2), unreachable database (3), empty table on one side (1)', async () => {
    for (const d of [monolithDb, serviceDb]) await exec(d.url, `CREATE TABLE event_log (at int, message text); INSERT INTO event_log VALUES (1, 'a'), (2, 'b')`);
    await exec(monolithDb.url, `CREATE TABLE price_notes (id int PRIMARY KEY, note text); INSERT INTO price_notes VALUES (1, 'x')`);
    await exec(serviceDb.url, `CREATE TABLE price_notes (id int PRIMARY KEY, note int)`);
    await exec(monolithDb.url, `CREATE TABLE wishlist (id int PRIMARY KEY, sku text)`);
    await exec(serviceDb.url, `CREATE TABLE wishlist (id int PRIMARY KEY, sku text); INSERT INTO wishlist VALUES (41, 'a'), (42, 'b')`);

    const noPk = await run(['verify-parity', 'catalog', '--tables', 'event_log']);
    expect(noPk.exitCode).toBe(2);
    expect(noPk.stderr.trim()).toBe('strangler: table public.event_log has no primary key, so rows cannot be matched — add a primary key, or pass --full-row to compare whole rows as a multiset');
    const fullRow = await run(['verify-parity', 'catalog', '--tables', 'event_log', '--full-row']);
    expect(fullRow.exitCode).toBe(0);
    expect(fullRow.stdout).toContain('warning: event_log has no primary key: compared whole rows as a multiset');

    const mismatch = await run(['verify-parity', 'catalog', '--tables', 'price_notes']);
    expect(mismatch.exitCode).toBe(2);
    expect(mismatch.stderr.trim()).toBe('strangler: price_notes.note is text in the monolith but integer in the service — align the column types, or map the column to one of a comparable type');

    const port = await freePort();
    const down = await run(['verify-parity', 'catalog', '--tables', 'brands', '--target', `postgres://postgres@127.0.0.1:${port}/shop`]);
    expect(down.exitCode).toBe(3);
    expect(down.stderr).toContain(`cannot connect to service (target) database postgres://postgres@127.0.0.1:${port}/shop`);

    const empty = await run(['verify-parity', 'catalog', '--tables', 'wishlist']);
    expect(empty.exitCode).toBe(1);
    expect(empty.stdout).toMatch(/^wishlist\s+0\s+2\s+0\s+2\s+0\s+DIFFERENT$/m);
    expect(empty.stdout).toContain('extra in service:   id=41');
    expect(empty.stdout).toContain('extra in service:   id=42');
  });
});
