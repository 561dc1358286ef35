/**
 * `strangler status` as a user runs it: `--json` (exit 0 with an unreachable service database and a proxy that
 * answers from a loopback admin server), the plain table, bad input (one line, exit 2), `--watch` off a terminal
 * (one JSON line per refresh, SIGINT ends it with 0) and the ink dashboard in a pseudo-terminal (q quits).
 */
import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusResult } from '../../src/status/status-result.ts';
import { createTestDatabase } from '../harness/databases.ts';
import { freePort } from '../harness/postgres-server.ts';
import { proxyContext, proxyStatus, startProxyAdmin, type ProxyAdminServer } from '../harness/proxy-admin.ts';

const bin = fileURLToPath(new URL('../../bin/strangler.js', import.meta.url));
const dbs: { drop(): Promise<void> }[] = [];
let dir: string;
let config: string;
let admin: ProxyAdminServer;
let deadPort: number;

beforeAll(async () => {
  const monolith = await createTestDatabase('st_e2e_mono');
  const service = await createTestDatabase('st_e2e_svc');
  dbs.push(monolith, service);
  deadPort = await freePort();
  admin = await startProxyAdmin(proxyStatus({ catalog: proxyContext({ desired: { phase: 'canary', percent: 10 }, effective: { phase: 'canary', percent: 10 }, requests: { monolith: 90, service: 10 } }) }));
  dir = await mkdtemp(path.join(os.tmpdir(), 'status-cli-'));
  config = path.join(dir, 'strangler.yaml');
  await writeFile(config, `version: 1
monolith:
  database: ${monolith.url}
proxy:
  admin: ${admin.address}
contexts:
  catalog:
    phase: canary
    tables: [items]
    routes: [GET /items]
    routing: { percent: 10, reason: read-only }
    service: { database: ${service.url}, url: 'http://127.0.0.1:${deadPort}' }
  cart:
    phase: extracted
    tables: [carts]
    service: { database: 'postgres://postgres@127.0.0.1:${deadPort}/cart' }
`);
});
afterAll(async () => {
  await admin?.close();
  for (const d of dbs) await d.drop().catch(() => {});
});

const run = (...args: string[]) => execa('node', [bin, '--config', config, ...args], { cwd: dir, reject: false, env: { NO_COLOR: '1' } });

/** Runs the CLI in its own process group and collects what it prints. */
function start(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, { cwd: dir, env: { ...env, NO_COLOR: '1' }, detached: true });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  let closed = false;
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(((closed = true), code))));
  const screen = () => stripVTControlCharacters(out);
  const until = async (check: () => boolean, what: string, timeout = 60_000) => {
    for (const deadline = Date.now() + timeout; !check(); await new Promise((r) => setTimeout(r, 100))) {
      if (closed || Date.now() > deadline) throw new Error(`${closed ? 'ended' : 'timed out'} waiting for ${what}:\n${screen()}`);
    }
  };
  const kill = () => {
    if (!closed) process.kill(-child.pid!, 'SIGKILL');
  };
  return { child, exited, screen, until, kill };
}

describe('strangler status', () => {
  it('--json: every context, the proxy traffic, and the database it could not reach, with exit 0', async () => {
    const r = await run('--json', 'status');
    expect(r.exitCode, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as StatusResult;
    expect(s.version).toBe(1);
    expect(s.contexts.map((c) => c.domain)).toEqual(['catalog', 'cart']);
    const [catalog, cart] = s.contexts as [StatusResult['contexts'][number], StatusResult['contexts'][number]];
    expect(catalog).toMatchObject({ label: 'canary 10%', sync: { forward: { state: 'never-started', runningPid: null } }, traffic: { requests: { monolith: 90, service: 10 } }, parity: { state: 'missing' } });
    expect(catalog.nextStep).toBe('run strangler sync start catalog --detach');
    expect(cart).toMatchObject({ phase: 'extracted', unreachable: ['service database'], sync: { forward: { state: 'unknown' } } });
    expect(s.unreachable).toEqual([{ part: 'service database', where: `postgres://postgres@127.0.0.1:${deadPort}/cart`, error: expect.stringContaining('ECONNREFUSED'), contexts: ['cart'] }]);
    expect(s.proxy.reachable).toBe(true);

    const one = await run('status', 'cart', '--json', '--proxy-admin', `127.0.0.1:${deadPort}`);
    expect(one.exitCode).toBe(0);
    expect((JSON.parse(one.stdout) as StatusResult).proxy).toEqual({ admin: `127.0.0.1:${deadPort}`, reachable: false, error: 'not running' });
  });

  it('prints the table, the next steps and what it could not read', async () => {
    const r = await run('status');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^context\s+phase\s+sync monolith->service/m);
    expect(r.stdout).toMatch(/^catalog\s+canary 10%\s+never started\s+-\s+none yet\s+canary 10%: 90\/10 req\s+0\.0% \/ 0\.0%$/m);
    expect(r.stdout).toContain('  cart: bring the service database of cart back (see unreachable), then run strangler status cart again');
    expect(r.stdout).toMatch(/could not read \(the rest of the status stands\):\n {2}service database postgres:\/\/postgres@127\.0\.0\.1:\d+\/cart: cannot connect: .*ECONNREFUSED.* \(cart\)/);
  });

  it('refuses bad input with one line and exit 2', async () => {
    const unknown = await run('status', 'orders');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr.trim().split('\n')).toEqual([`strangler: ${config}: no context "orders" — known contexts: catalog, cart`]);
    const badAdmin = await run('status', '--proxy-admin', 'http://127.0.0.1:8081');
    expect(badAdmin.exitCode).toBe(2);
    expect(badAdmin.stderr.trim()).toBe('strangler: --proxy-admin: expected host:port, got "http://127.0.0.1:8081" — e.g. --proxy-admin 127.0.0.1:8081');
    const badWatch = await run('status', '--watch', '0');
    expect(badWatch.exitCode).toBe(2);
    expect(badWatch.stderr).toMatch(/--watch expects a positive integer, got "0"/);
    const noConfig = await execa('node', [bin, 'status'], { cwd: os.tmpdir(), reject: false, env: { NO_COLOR: '1' } });
    expect(noConfig.exitCode).toBe(2);
    expect(noConfig.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--watch off a terminal prints one JSON line per refresh until SIGINT, then exits 0', async () => {
    const w = start('node', [bin, '--config', config, '--json', 'status', 'catalog', '--watch', '1'], process.env);
    try {
      await w.until(() => w.screen().trim().split('\n').length >= 2, 'two JSON lines');
      w.child.kill('SIGINT');
      expect(await w.exited).toBe(0);
    } finally {
      w.kill();
    }
    const lines = w.screen().trim().split('\n').map((l) => JSON.parse(l) as StatusResult);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.every((l) => l.contexts.length === 1 && l.contexts[0]!.domain === 'catalog')).toBe(true);
    expect(Date.parse(lines[1]!.at)).toBeGreaterThan(Date.parse(lines[0]!.at));
  });

  it('--watch in a terminal shows the dashboard, refreshed, and q closes it', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && k !== 'CONTINUOUS_INTEGRATION'));
    const before = admin.requests();
    const tty = start('script', ['-qfec', `stty cols 160 rows 40; exec node ${bin} --config ${config} status --watch 1`, '/dev/null'], env);
    try {
      await tty.until(() => tty.screen().includes('strangler status — every 1 s, last'), 'the dashboard');
      await tty.until(() => /next: run strangler sync start catalog --detach/.test(tty.screen()), 'the catalog block');
      await tty.until(() => tty.screen().includes('could not read:'), 'the unreachable part');
      await tty.until(() => admin.requests() - before >= 3, 'refreshes');
      tty.child.stdin.write('q');
      tty.child.stdin.end();
      expect(await tty.exited).toBe(0);
    } finally {
      tty.kill();
    }
    expect(tty.screen()).toMatch(/catalog canary 10%/);
  });
});
