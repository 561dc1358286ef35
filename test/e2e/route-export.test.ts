/**
 * `strangler route export` as a process: stdout by default, --out written whole (temporary file, then renamed) with
 * one line saying so, and bad input refused with one line and exit 2, leaving nothing half-written: an unknown
 * context, an unknown format, neither or both of a context and --all, a canary without a service URL, an --out that
 * cannot be written (under a file, a folder, on /proc), and an --out edited since strangler wrote it (kept unless --force).
 */
import { execa } from 'execa';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/strangler.js', import.meta.url));
let dir: string;
const file = () => path.join(dir, 'strangler.yaml');
const run = (...args: string[]) => execa('node', [bin, '--config', file(), 'route', 'export', ...args], { cwd: dir, reject: false, env: { NO_COLOR: '1' } });

const yaml = `version: 1
monolith: { url: "http://127.0.0.1:3000" }
contexts:
  catalog:
    phase: canary
    routes: [GET /products/:id]
    service: { url: "http://127.0.0.1:4001" }
    routing: { percent: 10 }
  cart:
    phase: shadow
    routes: [GET /cart]
    service: { url: "http://127.0.0.1:4002" }
`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'route-export-cli-'));
  await writeFile(file(), yaml);
});

const oneLine = (r: { exitCode?: number; stderr: unknown; stdout: unknown }) => {
  expect(r.exitCode, String(r.stderr)).toBe(2);
  expect(String(r.stdout)).toBe('');
  const lines = String(r.stderr).trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
};

describe('strangler route export', () => {
  it('prints the configuration, or writes --out whole and says so in one line', async () => {
    const printed = await run('catalog', '--format', 'nginx');
    expect(printed.exitCode, printed.stderr).toBe(0);
    expect(printed.stdout).toMatch(/split_clients "catalog:\$\{strangler_user_key\}"/);
    expect(printed.stdout).not.toMatch(/strangler_cart/);

    const out = path.join(dir, 'gateway', 'haproxy.cfg');
    const written = await run('--all', '--format', 'haproxy', '--out', out);
    expect(written.exitCode, written.stderr).toBe(0);
    expect(written.stdout.trim()).toBe(`wrote haproxy configuration for catalog, cart (2 routes: 1 canary, 1 shadow) to ${out}`);
    expect(written.stderr).toMatch(/^warning: HAProxy cannot mirror requests/);
    expect(await readFile(out, 'utf8')).toMatch(/^frontend strangler$/m);
    expect((await readdir(path.dirname(out))).filter((f) => f !== '.strangler')).toEqual(['haproxy.cfg']);
    // regenerating a file strangler wrote and nobody edited is fine
    expect((await run('--all', '--format', 'haproxy', '--out', out)).exitCode).toBe(0);

    const json = await execa('node', [bin, '--json', '--config', file(), 'route', 'export', 'cart', '--format', 'istio'], { cwd: dir, reject: false });
    expect(JSON.parse(json.stdout)).toMatchObject({ format: 'istio', contexts: ['cart'], rules: [{ route: 'GET /cart', mode: 'shadow' }], written: false });
  });

  it('refuses an unknown context or format, and neither or both of a context and --all', async () => {
    expect(oneLine(await run('billing', '--format', 'nginx'))).toMatch(/no context "billing" — known contexts: catalog, cart; or use --all/);
    expect(oneLine(await run('catalog', '--format', 'traefik'))).toMatch(/--format: unknown gateway format "traefik" — use one of nginx, haproxy, kong, istio/);
    expect(oneLine(await run('catalog'))).toMatch(/--format is required/);
    expect(oneLine(await run('--format', 'kong'))).toMatch(/which context\? give its name or --all/);
    expect(oneLine(await run('catalog', '--all', '--format', 'kong'))).toMatch(/either a context \(catalog\) or --all, not both/);
  });

  it('refuses a canary without a service URL, naming the config path', async () => {
    const other = path.join(dir, 'no-url.yaml');
    await writeFile(other, yaml.replace('    service: { url: "http://127.0.0.1:4001" }\n', ''));
    const r = await execa('node', [bin, '--config', other, 'route', 'export', 'catalog', '--format', 'nginx'], { cwd: dir, reject: false });
    expect(oneLine(r)).toMatch(/contexts\.catalog\.service\.url.*phase canary sends requests to the service, but service\.url is not set/);
  });

  it('refuses an --out it cannot write, and one edited since, writing nothing', async () => {
    const blocker = path.join(dir, 'a-file');
    await writeFile(blocker, 'not a folder\n');
    expect(oneLine(await run('catalog', '--format', 'nginx', '--out', path.join(blocker, 'strangler.conf')))).toMatch(/cannot write under .*a-file.*is a file, not a folder/);
    expect(await readFile(blocker, 'utf8')).toBe('not a folder\n');
    expect(oneLine(await run('catalog', '--format', 'nginx', '--out', dir))).toMatch(/--out .* is a folder — give the path of the file to write/);
    // root may write anywhere a disk allows, but not into a pseudo file system
    expect(oneLine(await run('catalog', '--format', 'nginx', '--out', '/proc/strangler-export/strangler.conf'))).toMatch(/cannot write under \/proc: /);

    const edited = path.join(dir, 'edited', 'kong.yaml');
    expect((await run('catalog', '--format', 'kong', '--out', edited)).exitCode).toBe(0);
    await writeFile(edited, '# hand edit\n');
    expect(oneLine(await run('catalog', '--format', 'kong', '--out', edited))).toMatch(/edited since strangler generated it, so it was not overwritten — pass --force/);
    expect(await readFile(edited, 'utf8')).toBe('# hand edit\n');
    expect((await run('catalog', '--format', 'kong', '--out', edited, '--force')).exitCode).toBe(0);
    expect(await readFile(edited, 'utf8')).toMatch(/_format_version: "3.0"/);
    expect((await readdir(path.dirname(edited))).filter((f) => f.startsWith('.strangler-tmp'))).toEqual([]);
  });
});
