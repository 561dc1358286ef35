/**
 * Two-way sync from the command line, as processes: forward and reverse each detached with their own pid and log
 * files, a second reverse refused, `sync status --json` showing both directions while a service write reaches the
 * monolith, `sync stop --reverse` stopping only the reverse direction, and a stop with nothing running refused.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, queryOnce } from '../harness/databases.ts';
import { until } from '../harness/until.ts';

const bin = fileURLToPath(new URL('../../bin/strangler.js', import.meta.url));
const dbs: { drop(): Promise<void> }[] = [];
let dir: string;
let monolith: string;
let service: string;
const run = (...args: string[]) => execa('node', [bin, '--config', path.join(dir, 'strangler.yaml'), ...args], { cwd: dir, reject: false, env: { NO_COLOR: '1' } });

beforeAll(async () => {
  const m = await createTestDatabase('rlife_mono');
  const s = await createTestDatabase('rlife_svc');
  dbs.push(m, s);
  monolith = m.url;
  service = s.url;
  await queryOnce(monolith, `CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 100) g`);
  dir = await mkdtemp(path.join(os.tmpdir(), 'sync-rlife-'));
  await writeFile(
    path.join(dir, 'strangler.yaml'),
    `version: 1\nmonolith:\n  database: ${monolith}\ncontexts:\n  catalog:\n    tables: [items]\n    service:\n      database: ${service}\n    sync:\n      reverse: true\n      lingerMs: 0\n`,
  );
});
afterAll(async () => {
  await run('sync', 'stop', 'catalog', '--reverse');
  await run('sync', 'stop', 'catalog');
  await run('sync', 'teardown', 'catalog', '--yes');
  for (const d of dbs) await d.drop().catch(() => {});
});

const nameIn = async (url: string, id: number) => (await queryOnce(url, `SELECT name FROM items WHERE id = ${id}`).catch(() => ({ rows: [] }))).rows[0]?.name;

describe('strangler sync reverse --detach / status / stop --reverse', () => {
  it('runs both directions in the background, shows both in status, and stops the reverse one alone', async () => {
    const forward = await run('--json', 'sync', 'start', 'catalog', '--detach');
    expect(forward.exitCode, forward.stderr).toBe(0);
    const forwardPid = JSON.parse(forward.stdout).pid as number;
    await until('the backfill in the service', async () => (await nameIn(service, 100)) === 'n100');

    const reverse = await run('--json', 'sync', 'reverse', 'catalog', '--detach');
    expect(reverse.exitCode, reverse.stderr).toBe(0);
    const detached = JSON.parse(reverse.stdout) as { pid: number; pidFile: string; logFile: string; reverse: boolean };
    expect(detached.reverse).toBe(true);
    expect(detached.pid).not.toBe(forwardPid);
    expect(existsSync(detached.pidFile)).toBe(true);

    const again = await run('sync', 'reverse', 'catalog', '--detach');
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/reverse sync catalog is already running \(pid \d+\).*sync stop catalog --reverse/);

    await queryOnce(service, `UPDATE items SET name = 'from the service' WHERE id = 5`);
    await until('the service write in the monolith', async () => (await nameIn(monolith, 5)) === 'from the service');

    const status = await run('--json', 'sync', 'status', 'catalog');
    expect(status.exitCode, status.stderr).toBe(0);
    const contexts = JSON.parse(status.stdout).contexts as { context: string; runningPid: number | null }[];
    expect(contexts.map((c) => [c.context, c.runningPid])).toEqual([
      ['catalog', forwardPid],
      ['catalog:reverse', detached.pid],
    ]);
    expect(contexts[1]).toMatchObject({ slotName: 'strangler_catalog_reverse', target: { phase: 'streaming' }, source: { slot: { exists: true, active: true } } });

    const teardownWhileRunning = await run('sync', 'teardown', 'catalog', '--yes');
    expect(teardownWhileRunning.exitCode).toBe(2);

    const stopped = await run('sync', 'stop', 'catalog', '--reverse');
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    expect(stopped.stdout).toMatch(/^reverse sync catalog \(pid \d+\) stopped/);
    const after = JSON.parse((await run('--json', 'sync', 'status', 'catalog')).stdout).contexts as { runningPid: number | null }[];
    expect(after.map((c) => c.runningPid)).toEqual([forwardPid, null]);

    const nothing = await run('sync', 'stop', 'catalog', '--reverse');
    expect(nothing.exitCode).toBe(2);
    expect(nothing.stderr).toMatch(/no reverse sync is running for catalog/);
    // The forward direction still streams.
    await queryOnce(monolith, `UPDATE items SET name = 'still forward' WHERE id = 9`);
    await until('a monolith write in the service', async () => (await nameIn(service, 9)) === 'still forward');

    // Teardown, once both are stopped, drops both directions' slots and publications.
    expect((await run('sync', 'stop', 'catalog')).exitCode).toBe(0);
    const down = await run('sync', 'teardown', 'catalog', '--yes');
    expect(down.exitCode, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/reverse slot and publication strangler_catalog_reverse \(service database\): dropped, dropped/);
    const slots = async (url: string) => (await queryOnce(url, `SELECT count(*)::int AS n FROM pg_replication_slots WHERE database = current_database()`)).rows[0].n;
    expect([await slots(monolith), await slots(service)]).toEqual([0, 0]);
    expect((await queryOnce(service, `SELECT count(*)::int AS n FROM pg_publication`)).rows[0].n).toBe(0);
  });
});
