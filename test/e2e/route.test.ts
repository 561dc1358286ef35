/**
 * `strangler route plan|shift|rollback|status` as processes on a temp strangler.yaml: comments survive each write,
 * --dry-run writes nothing, leaving shadow is refused without a green parity result (exit 2, one line) unless
 * --force or a stored passing result, rollback steps back, status says the proxy is not running.
 */
import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/strangler.js', import.meta.url));
let dir: string;
const file = () => path.join(dir, 'strangler.yaml');
const run = (...args: string[]) => execa('node', [bin, '--config', file(), ...args], { cwd: dir, reject: false, env: { NO_COLOR: '1' } });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'route-cli-'));
  await writeFile(file(), `version: 1
# the catalog moves first
contexts:
  catalog:
    phase: syncing # backfilled and streaming
    routes:
      - GET /products/:id
      - GET /products
    sync: { reverse: true }
proxy:
  admin: 127.0.0.1:1
`);
});

describe('strangler route', () => {
  it('plans, shifts step by step with the parity gate, rolls back, and reports status', async () => {
    const dry = await run('route', 'plan', 'catalog', '--service-url', 'http://127.0.0.1:4001/', '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/would set contexts\.catalog\.service\.url: \(unset\) -> http:\/\/127\.0\.0\.1:4001/);
    expect(await readFile(file(), 'utf8')).not.toMatch(/4001/);
    expect((await run('route', 'plan', 'catalog', '--service-url', 'http://127.0.0.1:4001')).exitCode).toBe(0);

    const badUrl = await run('route', 'plan', 'catalog', '--service-url', 'ftp://x');
    expect(badUrl.exitCode).toBe(2);
    expect(badUrl.stderr.trim().split('\n')).toHaveLength(1);

    expect((await run('route', 'shift', 'catalog', '--to', 'shadow')).exitCode).toBe(0);
    const refused = await run('route', 'shift', 'catalog', '--to', '10');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/refusing to move catalog from shadow to canary: no parity result for catalog .*--force/);

    await mkdir(path.join(dir, '.strangler', 'parity'), { recursive: true });
    await writeFile(path.join(dir, '.strangler', 'parity', 'catalog.json'), JSON.stringify({ verdict: 'fail', at: '2026-01-01T00:00:00Z' }));
    expect((await run('route', 'shift', 'catalog', '--to', '10')).stderr).toMatch(/last parity result for catalog failed/);
    await writeFile(path.join(dir, '.strangler', 'parity', 'catalog.json'), JSON.stringify({ verdict: 'pass', at: new Date().toISOString() }));
    const shifted = await run('--json', 'route', 'shift', 'catalog', '--to', '10');
    expect(shifted.exitCode, shifted.stderr).toBe(0);
    expect(JSON.parse(shifted.stdout)).toMatchObject({ from: { phase: 'shadow' }, to: { phase: 'canary', percent: 10 }, applied: true });

    const text = await readFile(file(), 'utf8');
    expect(text).toMatch(/# the catalog moves first/);
    expect(text).toMatch(/phase: canary # backfilled and streaming/);
    expect(text).toMatch(/percent: 10/);

    const shrink = await run('route', 'shift', 'catalog', '--to', '5');
    expect(shrink.exitCode).toBe(2);
    expect(shrink.stderr).toMatch(/only moves catalog forward.*route rollback catalog/);

    const back = await run('route', 'rollback', 'catalog');
    expect(back.exitCode, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/catalog: canary 10% -> shadow/);

    const status = await run('--json', 'route', 'status');
    expect(status.exitCode, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ proxy: { reachable: false, error: 'not running' }, contexts: [{ domain: 'catalog', desired: { phase: 'shadow', mode: 'shadow' }, routes: 2 }] });

    const unknown = await run('route', 'shift', 'nope', '--to', 'shadow');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/no context "nope" — known contexts: catalog/);
  });
});
