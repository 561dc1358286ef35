/**
 * The sync life cycle from the command line, as processes: `sync start --detach` (pid and log file), a second
 * start refused, `sync status --json` while it streams, `sync stop`, `sync teardown` refused without confirmation
 * outside a terminal (exit 2), then with --yes dropping the slot and the publication while the service keeps its
 * data.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, queryOnce } from '../harness/databases.ts';
import { until } from '../harness/until.ts';

const bin = fileURLToPath(new URL('../../bin/strangler.js', import.meta.url));
const dbs: { drop(): Promise<void> }[] = [];
let dir: string;
let source: string;
let target: string;
const run = (...args: string[]) => execa('node', [bin, '--config', path.join(dir, 'strangler.yaml'), ...args], { cwd: dir, reject: false, env: { NO_COLOR: '1' } });

beforeAll(async () => {
  const s = await createTestDatabase('life_src');
  const t = await createTestDatabase('life_tgt');
  dbs.push(s, t);
  source = s.url;
  target = t.url;
  await queryOnce(source, `CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 500) g`);
  dir = await mkdtemp(path.join(os.tmpdir(), 'sync-life-'));
  await writeFile(path.join(dir, 'strangler.yaml'), `version: 1\nmonolith:\n  database: ${source}\ncontexts:\n  catalog:\n    tables: [items]\n    service:\n      database: ${target}\n`);
});
afterAll(async () => {
  await run('sync', 'stop', 'catalog');
  for (const d of dbs) await d.drop().catch(() => {});
});

describe('strangler sync start --detach / status / stop / teardown', () => {
  it('runs in the background, reports, stops, and tears down only when confirmed', async () => {
    const started = await run('--json', 'sync', 'start', 'catalog', '--detach');
    expect(started.exitCode, started.stderr).toBe(0);
    const detached = JSON.parse(started.stdout) as { pid: number; logFile: string; pidFile: string };
    expect(existsSync(detached.pidFile)).toBe(true);

    const again = await run('sync', 'start', 'catalog', '--detach');
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/sync catalog is already running \(pid \d+\)/);

    await queryOnce(source, `UPDATE items SET name = 'changed' WHERE id = 7`);
    await until('the change in the service', async () => (await queryOnce(target, `SELECT name FROM items WHERE id = 7`).catch(() => ({ rows: [] }))).rows[0]?.name === 'changed');
    const status = await run('--json', 'sync', 'status', 'catalog');
    expect(status.exitCode, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).contexts[0]).toMatchObject({ context: 'catalog', runningPid: detached.pid, target: { phase: 'streaming' }, source: { slot: { exists: true, active: true } } });

    const teardownWhileRunning = await run('sync', 'teardown', 'catalog', '--yes');
    expect(teardownWhileRunning.exitCode).toBe(2);

    const stopped = await run('sync', 'stop', 'catalog');
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    expect(await readFile(detached.logFile, 'utf8')).toMatch(/streaming changes from slot strangler_catalog/);

    const unconfirmed = await run('sync', 'teardown', 'catalog');
    expect(unconfirmed.exitCode).toBe(2);
    expect(unconfirmed.stderr.trim().split('\n')).toHaveLength(1);
    expect(unconfirmed.stderr).toMatch(/without confirmation.*pass --yes/);
    expect((await queryOnce(source, `SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name = 'strangler_catalog'`)).rows[0].n).toBe(1);

    const confirmed = await run('sync', 'teardown', 'catalog', '--yes');
    expect(confirmed.exitCode, confirmed.stderr).toBe(0);
    expect((await queryOnce(source, `SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name = 'strangler_catalog'`)).rows[0].n).toBe(0);
    expect((await queryOnce(source, `SELECT count(*)::int AS n FROM pg_publication WHERE pubname = 'strangler_catalog'`)).rows[0].n).toBe(0);
    expect((await queryOnce(target, `SELECT count(*)::int AS n FROM items`)).rows[0].n).toBe(500);
  });
});
