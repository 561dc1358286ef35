/**
 * Acceptance of `strangler extract` on the sample monolith: for each of its eight contexts the generated service
 * type-checks, its own tests pass against a freshly migrated database of its own, and the service started as a
 * process answers /readyz, exports every metric its dashboard and alert rules query, and stops gracefully on SIGTERM.
 * Every route of each context is moved (mount.ts registers it) and SEAMS.md lists the seams. The services are generated
 * inside the repository (.cache/) so that their dependencies resolve from its node_modules (strangler-fig/outbox from a
 * built copy, as `npm install` would give it).
 */
import { execa } from 'execa';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { migrateLatest } from '../../fixtures/sample-monolith/src/index.ts';
import { runExtract } from '../../src/commands/extract.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { selectedMetrics } from '../../src/generators/service/observability.ts';
import { createTestDatabase } from '../harness/databases.ts';
import { installOutboxPackage } from '../harness/outbox-package.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(repo, 'bin/strangler.js');
const work = path.join(repo, '.cache', `extract-e2e-${process.pid}`);
const config = path.join(work, 'strangler.yaml');
const DOMAINS = ['users', 'catalog', 'cart', 'orders', 'payments', 'inventory', 'recommendations', 'analytics'];
const dbs: { drop(): Promise<void> }[] = [];
let monolith: string;

beforeAll(async () => {
  const shop = await createTestDatabase('extract_shop');
  dbs.push(shop);
  monolith = shop.url;
  await migrateLatest(monolith);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  // what `npm install` gives a service whose moved code imports strangler-fig/outbox
  await installOutboxPackage(work);
  await writeFile(config, `# the sample shop\nversion: 1\nmonolith:\n  name: sample-shop\n  source: ../../fixtures/sample-monolith\n  database: ${monolith}\ncontexts: {}\n`);
  const adopt = await execa('node', [bin, '--config', config, 'context', 'add', '--from', path.join(repo, 'fixtures/sample-monolith/domains.yaml')], { reject: false, env: { NO_COLOR: '1' } });
  expect(adopt.exitCode, adopt.stderr).toBe(0);
});
afterAll(async () => {
  for (const d of dbs) await d.drop().catch(() => {});
  await rm(work, { recursive: true, force: true });
});

/** Starts the service as its own process and returns its URL once it logs that it listens. */
async function startProcess(dir: string, env: Record<string, string>) {
  const child = execa('node', ['--import', 'tsx', 'src/server.ts'], { cwd: dir, env: { ...env, PORT: '0', HOST: '127.0.0.1' }, reject: false, buffer: true });
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (b: Buffer) => {
      seen += b.toString();
      const m = /"url":"(http:\/\/[^"]+)"/.exec(seen);
      if (m) resolve(m[1]!);
    });
    child.then((r) => reject(new Error(`service exited ${r.exitCode}: ${r.stderr || seen}`)), reject);
  });
  return { child, url };
}

describe('strangler extract on the sample monolith', () => {
  it('writes a service per context that type-checks, passes its own tests, starts, and exports what its dashboards query', async () => {
    const cli = await execa('node', [bin, '--config', config, 'extract', 'catalog'], { reject: false, env: { NO_COLOR: '1' } });
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/wrote .*services\/catalog\/: \d+ new/);
    const { config: before } = await loadConfig(config);
    for (const d of DOMAINS.filter((x) => x !== 'catalog')) {
      const r = await runExtract({ domain: d, configFile: config, force: false, dryRun: false });
      // every route of the context is moved and mounted
      expect(r.movedRoutes, `${d}: ${JSON.stringify(r.notMoved)}`).toBe(before.contexts[d]!.routes.length);
      expect(r.notMoved, d).toEqual([]);
      const mount = await readFile(path.join(work, 'services', d, 'src/domain/mount.ts'), 'utf8');
      for (const route of before.contexts[d]!.routes) {
        const [method, p] = route.split(' ');
        expect(mount, `${d}: ${route}`).toContain(`routes.${method!.toLowerCase()}(${JSON.stringify(p)}, `);
      }
      const seams = await readFile(path.join(work, 'services', d, 'SEAMS.md'), 'utf8');
      expect(seams).toMatch(new RegExp(`^${r.seams.length} seam\\(s\\)`, 'm'));
    }
    // the monolith's files are only read
    const status = await execa('git', ['status', '--porcelain', 'fixtures/sample-monolith'], { cwd: repo });
    expect(status.stdout).toBe('');
    // the moved code: no import of the monolith's database module is left, and its outbox import is the package's
    const checkout = await readFile(path.join(work, 'services/orders/src/domain/services/checkout.ts'), 'utf8');
    expect(checkout).toContain("from 'strangler-fig/outbox'");
    expect(checkout).toContain("from '../strangler/database.js'");
    expect(checkout).not.toMatch(/lib\/db/);
    expect(JSON.parse(await readFile(path.join(work, 'services/orders/package.json'), 'utf8')).dependencies).toHaveProperty('strangler-fig');

    const { config: after } = await loadConfig(config);
    for (const d of DOMAINS) {
      expect(after.contexts[d], d).toMatchObject({ phase: 'extracted', service: { path: `services/${d}`, databaseEnv: 'DATABASE_URL' } });
      expect(after.contexts[d]!.service.url, d).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(await readFile(config, 'utf8')).toContain('# the sample shop');

    // one type-check over the eight services
    await writeFile(path.join(work, 'tsconfig.json'), JSON.stringify({ extends: './services/catalog/tsconfig.json', compilerOptions: { rootDir: '.' }, include: DOMAINS.flatMap((d) => [`services/${d}/src`, `services/${d}/migrations`, `services/${d}/test`]) }));
    const tsc = await execa('node', [path.join(repo, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', path.join(work, 'tsconfig.json')], { reject: false });
    expect(tsc.exitCode, tsc.stdout).toBe(0);

    for (const d of DOMAINS) {
      const dir = path.join(work, 'services', d);
      const db = await createTestDatabase(`extract_${d}`);
      dbs.push(db);
      // the seams still read the monolith's database (SEAMS.md)
      const env = { DATABASE_URL: db.url, MONOLITH_DATABASE_URL: monolith, NO_COLOR: '1' };
      const own = await execa('node', ['--import', 'tsx', '--test', 'test/service.test.ts', 'test/smoke.test.ts'], { cwd: dir, env, reject: false });
      expect(own.exitCode, `${d}: ${own.stdout.slice(-2000)}`).toBe(0);
      expect(own.stdout).toMatch(/# fail 0/);

      const { child, url } = await startProcess(dir, env);
      try {
        const ready = await fetch(`${url}/readyz`);
        expect(ready.status, d).toBe(200);
        await fetch(`${url}/healthz`);
        const exported = new Set(
          (await (await fetch(`${url}/metrics`)).text())
            .split('\n')
            .filter((l) => l && !l.startsWith('#'))
            .map((l) => l.split(/[{ ]/)[0]!),
        );
        const dashboard = JSON.parse(await readFile(path.join(dir, 'deploy/grafana/dashboard.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
        const rules = parse(await readFile(path.join(dir, 'deploy/prometheus/alerts.yaml'), 'utf8')) as { groups: { rules: { expr: string }[] }[] };
        const queried = [...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...rules.groups.flatMap((g) => g.rules.map((r) => r.expr))].flatMap(selectedMetrics);
        expect(queried.length).toBeGreaterThan(8);
        for (const m of queried) expect(exported.has(m), `${d}: ${m} is queried but not exported`).toBe(true);
      } finally {
        child.kill('SIGTERM');
      }
      const exit = await child;
      expect(exit.exitCode, `${d} exits cleanly on SIGTERM: ${exit.stderr}`).toBe(0);
      expect(exit.stdout).toContain('"msg":"stopped"');
    }
  }, 400_000);
});
