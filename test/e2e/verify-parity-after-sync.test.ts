// After `strangler sync` of the sample monolith's catalog context, verify-parity (the CLI as a process) exits 0;
// after a manual change in the service database it exits 1 and names the row. Real PostgreSQL, real logical
// replication: only the monolith database is seeded, the service database is filled by the sync engine.
import { execa } from 'execa';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateLatest, seedDatabase } from '../../fixtures/sample-monolith/src/index.ts';
import { runSync, type SyncRunResult } from '../../src/sync/sync-engine.ts';
import type { SyncEvent } from '../../src/sync/sync-events.ts';
import { createTestDatabase, queryOnce as query } from '../harness/databases.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(root, 'bin/strangler.js');
const tables = ['categories', 'brands', 'products', 'product_images', 'product_reviews'];
const slot = `vp_after_sync_${process.pid}`;
type Db = Awaited<ReturnType<typeof createTestDatabase>>;

describe('verify-parity after strangler sync of the sample catalog', () => {
  let monolithDb: Db;
  let serviceDb: Db;
  let dir: string;
  const controller = new AbortController();
  let sync: Promise<SyncRunResult> | undefined;
  let syncError: unknown;
  const events: SyncEvent[] = [];

  beforeAll(async () => {
    monolithDb = await createTestDatabase('vps_monolith');
    serviceDb = await createTestDatabase('vps_service');
    await migrateLatest(monolithDb.url);
    await seedDatabase(monolithDb.url, { scale: 1, seed: 11 });
    sync = runSync({
      context: 'catalog',
      sourceUrl: monolithDb.url,
      targetUrl: serviceDb.url,
      tables,
      targetSchema: 'public',
      slot,
      publication: slot,
      batchSize: 500,
      signal: controller.signal,
      onEvent: (e) => events.push(e),
    });
    sync.catch((e) => (syncError = e));
    for (let i = 0; i < 600 && !events.some((e) => e.type === 'streaming') && syncError === undefined; i++) await new Promise((r) => setTimeout(r, 100));
    if (syncError) throw syncError;
    dir = await mkdtemp(path.join(os.tmpdir(), 'vps-'));
    await writeFile(
      path.join(dir, 'strangler.yaml'),
      [
        'monolith:',
        `  database: ${monolithDb.url}`,
        'contexts:',
        '  catalog:',
        `    tables: [${tables.join(', ')}]`,
        '    service:',
        `      database: ${serviceDb.url}`,
        '    sync:',
        `      slot: ${slot}`,
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    controller.abort();
    await sync?.catch(() => {});
    await monolithDb?.drop();
    await serviceDb?.drop();
  });

  const run = (args: string[]) => execa('node', [bin, ...args], { cwd: dir, reject: false, env: { NO_COLOR: '1' } });

  it('exits 0 once the sync has applied the monolith\'s writes (--wait-sync), including a change made while it streams', async () => {
    expect(events.some((e) => e.type === 'backfill-done')).toBe(true);
    await query(monolithDb.url, `UPDATE products SET name = name || ' (renamed in the monolith)' WHERE id IN (3, 4)`);
    await query(monolithDb.url, `DELETE FROM product_reviews WHERE id = (SELECT min(id) FROM product_reviews)`);
    const r = await run(['--json', 'verify-parity', 'catalog', '--wait-sync', '60']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.waitSync).toMatchObject({ waited: true });
    expect(result.data.tables.map((t: { table: string; equal: boolean }) => [t.table, t.equal])).toEqual(tables.map((t) => [t, true]));
    const products = result.data.tables.find((t: { table: string }) => t.table === 'products');
    expect(products.sourceRows).toBeGreaterThan(0);
    expect(products.targetRows).toBe(products.sourceRows);
    const renamed = await query(serviceDb.url, `SELECT count(*)::int AS n FROM products WHERE name LIKE '%(renamed in the monolith)'`);
    expect(renamed.rows[0].n).toBe(2);
    expect(syncError).toBeUndefined();
  });

  it('exits 1 after a manual change in the service database and names the row and the column', async () => {
    await query(serviceDb.url, `UPDATE products SET name = 'edited by hand' WHERE id = 7`);
    const image = (await query(serviceDb.url, `DELETE FROM product_images WHERE id = (SELECT max(id) FROM product_images) RETURNING id::text`)).rows[0].id;
    const r = await run(['verify-parity', 'catalog', '--wait-sync', '60']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^ {4}changed: id=7: name ".*" -> "edited by hand"$/m);
    expect(r.stdout).toContain(`    missing in service: id=${image}`);
    expect(r.stdout).toMatch(/^products\s+(\d+)\s+\1\s+0\s+0\s+1\s+DIFFERENT$/m);
    expect(r.stdout).toContain('FAIL: 2 data difference(s) in 2 table(s) (allowed: 0)');
    expect(syncError).toBeUndefined();
  });
});
