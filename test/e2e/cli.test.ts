import { execa } from 'execa';
import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminUrl } from '../harness/databases.ts';
import { freePort } from '../harness/postgres-server.ts';

const bin = fileURLToPath(new URL('../../bin/strangler.js', import.meta.url));
const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

async function strangler(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = await execa('node', [bin, ...args], { cwd, reject: false, env: { NO_COLOR: '1', DATABASE_URL: '', ...env }, extendEnv: true });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

describe('strangler CLI (as a process)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cli-'));
  });

  it('--help lists the commands and the exit codes', async () => {
    const r = await strangler(['--help'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: strangler/);
    for (const command of ['init', 'config']) expect(r.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    expect(r.stdout).toContain('Exit codes: 0 success, 1 findings');
    expect(r.stdout).not.toContain('not implemented');
  });

  it('--version prints the package version', async () => {
    const r = await strangler(['--version'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('unknown commands and options exit 2', async () => {
    const a = await strangler(['frobnicate'], dir);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("unknown command 'frobnicate'");
    const b = await strangler(['init', '--frob'], dir);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("unknown option '--frob'");
  });

  it('init writes strangler.yaml, config validate accepts it, --json parses, a second init after a hand edit exits 2', async () => {
    const init = await strangler(['init'], dir);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('wrote strangler.yaml');
    expect(init.stdout).not.toContain('\u001b[');
    const validate = await strangler(['config', 'validate'], dir);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain('valid, 0 context(s)');
    const asJson = await strangler(['--json', 'config', 'validate'], dir);
    expect(JSON.parse(asJson.stdout)).toEqual({ file: path.join(dir, 'strangler.yaml'), contexts: [] });
    // init's own untouched file is regenerated as it is; once the user has edited it, init stops and says why
    const same = await strangler(['init'], dir);
    expect(same.code).toBe(0);
    await appendFile(path.join(dir, 'strangler.yaml'), '# edited by hand\n');
    const again = await strangler(['init'], dir);
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toMatch(/^strangler: strangler\.yaml already exists \(.+\) — pass --force to overwrite it$/);
    expect(await readFile(path.join(dir, 'strangler.yaml'), 'utf8')).toContain('# edited by hand');
  });

  it('a bad config exits 2 with one line and no stack trace; --debug adds the stack', async () => {
    await writeFile(path.join(dir, 'bad.yaml'), 'contexts:\n  catalog:\n    tables: oops\n');
    const r = await strangler(['-c', 'bad.yaml', 'config', 'validate'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('bad.yaml:3:13: contexts.catalog.tables: expected array');
    const d = await strangler(['--debug', '-c', 'bad.yaml', 'config', 'validate'], dir);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/\n\s+at /);
  });

  it('a missing config names the file and what to do', async () => {
    const r = await strangler(['-c', 'missing.yaml', 'config', 'validate'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('strangler: missing.yaml: no such file — run `strangler init` to write one, or pass --config <file>');
  });

  it('config validate --check-connections: exit 0 for a live database, exit 3 naming a dead one (password redacted)', async () => {
    await writeFile(path.join(dir, 'live.yaml'), `monolith:\n  database: ${adminUrl()}\n`);
    const ok = await strangler(['-c', 'live.yaml', 'config', 'validate', '--check-connections'], dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/ok {5}monolith\.database: .* \(PostgreSQL \d+/);

    const port = await freePort();
    await writeFile(
      path.join(dir, 'dead.yaml'),
      `monolith:\n  database: ${adminUrl()}\ncontexts:\n  catalog:\n    service:\n      database: postgres://svc:s3cret@127.0.0.1:${port}/catalog\n`,
    );
    const dead = await strangler(['-c', 'dead.yaml', 'config', 'validate', '--check-connections'], dir);
    expect(dead.code).toBe(3);
    const lines = dead.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`contexts.catalog.service.database (postgres://svc:***@127.0.0.1:${port}/catalog)`);
    expect(lines[0]).toContain('is PostgreSQL running and listening there?');
    expect(dead.stderr).not.toContain('s3cret');
  });
});
