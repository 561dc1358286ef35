/**
 * `strangler proxy` as a process: an invalid strangler.yaml is refused at start with one line (exit 2); --detach
 * runs it in the background (route status reads its /status), a second start is refused, proxy stop ends it.
 */
import { execa } from 'execa';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBadUpstream } from '../harness/http-upstreams.ts';
import { freePort } from '../harness/postgres-server.ts';

const bin = fileURLToPath(new URL('../../bin/strangler.js', import.meta.url));
let dir: string;
let upstream: Awaited<ReturnType<typeof startBadUpstream>>;
const file = () => path.join(dir, 'strangler.yaml');
const run = (...args: string[]) => execa('node', [bin, '--config', file(), ...args], { cwd: dir, reject: false, env: { NO_COLOR: '1' } });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'proxy-cli-'));
  upstream = await startBadUpstream('monolith');
});
afterAll(async () => {
  await run('proxy', 'stop');
  await upstream?.close();
});

const yaml = (listen: number, admin: number, percent: string, route = 'GET /products/:id') => `monolith: { url: ${upstream.url} }
proxy: { listen: 127.0.0.1:${listen}, admin: 127.0.0.1:${admin} }
contexts:
  catalog:
    phase: canary
    routes: ['${route}']
    service: { url: ${upstream.url} }
    routing: { percent: ${percent}, reason: read-only }
`;

describe('strangler proxy (CLI)', () => {
  it('refuses an invalid percentage or pattern at start with one line', async () => {
    await writeFile(file(), yaml(await freePort(), await freePort(), '250'));
    const bad = await run('proxy');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/strangler\.yaml:\d+:\d+: contexts\.catalog\.routing\.percent: .*100/);
    await writeFile(file(), yaml(await freePort(), await freePort(), '10', 'GET /a/*/b'));
    const pattern = await run('proxy');
    expect(pattern.exitCode).toBe(2);
    expect(pattern.stderr).toMatch(/contexts\.catalog\.routes\[0\]: "GET \/a\/\*\/b": "\*" may only end a path/);
  });

  it('runs in the background, answers route status, refuses a second start, and stops', async () => {
    const [listen, admin] = [await freePort(), await freePort()];
    await writeFile(file(), yaml(listen, admin, '10'));
    const started = await run('proxy', '--detach');
    expect(started.exitCode, started.stderr).toBe(0);
    expect(started.stdout).toMatch(/proxy running in the background \(pid \d+\); log .*proxy\.log/);
    const answer = await fetch(`http://127.0.0.1:${listen}/products/1`, { headers: { 'x-user-id': 'u1' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-request-id')).toBeTruthy();
    const status = await run('--json', 'route', 'status');
    expect(status.exitCode, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ proxy: { reachable: true, status: { version: 1, contexts: { catalog: { desired: { phase: 'canary', percent: 10 }, effective: { phase: 'canary', percent: 10 } } } } } });
    const second = await run('proxy', '--detach');
    expect(second.exitCode).toBe(2);
    expect(second.stderr).toMatch(/the proxy is already running \(pid \d+\) — stop it first: strangler proxy stop/);
    const stopped = await run('proxy', 'stop');
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    expect(stopped.stdout).toMatch(/proxy \(pid \d+\) stopped/);
    expect((await run('proxy', 'stop')).stderr).toMatch(/the proxy is not running — start it with strangler proxy --detach/);
  });
});
