/**
 * The installable package, exactly as a user gets it: `npm pack`, then `npm install --omit=dev <tarball>` into an
 * empty folder (production dependencies only, from the registry), then the installed `strangler` run there.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { packAndInstall, plainEnv, type PackedInstall } from '../harness/packed-install.ts';

let pkg: PackedInstall;

beforeAll(async () => {
  pkg = await packAndInstall();
}, 300_000);

describe('the package installed from its tarball with production dependencies only', () => {
  it('ships compiled JavaScript and the sample, not the TypeScript sources or the tests', () => {
    expect(pkg.name).toBe('strangler-fig');
    expect(pkg.files).toContain('dist/cli.js');
    expect(pkg.files).toContain('bin/strangler.js');
    for (const f of ['domains.yaml', 'schema.sql', 'src/index.ts', 'logs/comments-off/postgresql.csv.gz']) {
      expect(pkg.files).toContain(`fixtures/sample-monolith/${f}`);
    }
    // The service template's own tests are part of what extract writes; the project's tests are not shipped.
    expect(pkg.files).toContain('templates/service/test/service.test.ts');
    expect(pkg.files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || (f.includes('/test/') && !f.startsWith('templates/')))).toEqual([]);
    // No src/ next to bin/: the shim runs dist/ on plain Node, not the TypeScript through tsx.
    expect(existsSync(path.join(pkg.packageDir, 'src'))).toBe(false);
    expect(existsSync(path.join(pkg.packageDir, 'dist/cli.js'))).toBe(true);
    // What analyze --code imports is installed; what only the tests use is not.
    expect(existsSync(path.join(pkg.dir, 'node_modules/typescript/package.json'))).toBe(true);
    expect(existsSync(path.join(pkg.dir, 'node_modules/vitest'))).toBe(false);
    expect(existsSync(path.join(pkg.dir, 'node_modules/dependency-cruiser'))).toBe(false);
  });

  it('strangler --version prints the package version', async () => {
    const r = await pkg.strangler(['--version']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('strangler --help lists the commands and the exit codes', async () => {
    const r = await pkg.strangler(['--help']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^Usage: strangler/);
    for (const command of ['init', 'config', 'analyze', 'verify-parity', 'sync']) expect(r.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    expect(r.stdout).toContain('Exit codes: 0 success, 1 findings');
  });

  it('strangler init writes a starter strangler.yaml that strangler config validate accepts', async () => {
    const dir = path.join(pkg.dir, 'init');
    await mkdir(dir);
    const r = await pkg.strangler(['init'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote strangler\.yaml and strangler\.schema\.json$/m);
    expect(existsSync(path.join(dir, 'strangler.schema.json'))).toBe(true);
    const valid = await pkg.strangler(['config', 'validate'], dir);
    expect(valid.code).toBe(0);
  });

  it('strangler analyze --code reads the sample inside the installed package (the TypeScript scanner loads)', async () => {
    const dir = path.join(pkg.dir, 'analyze-code');
    await mkdir(dir);
    const code = path.join(pkg.packageDir, 'fixtures/sample-monolith/src');
    const r = await pkg.strangler(['analyze', '--code', code, '--no-interactive'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = /^Proposed bounded contexts from flags: no logs; (\d+) modules; (\d+) tables$/m.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(30);
    expect(Number(m![2])).toBeGreaterThan(30);
    const analysis = parse(await readFile(path.join(dir, 'strangler-analysis/analysis.yaml'), 'utf8')) as { contexts: Record<string, { tables: string[] }> };
    const tables = Object.values(analysis.contexts).flatMap((c) => c.tables);
    expect(tables).toEqual(expect.arrayContaining(['carts', 'orders', 'payments', 'products', 'users']));
  });

  it('strangler analyze with no set-up reads the bundled sample (logs and ground truth shipped)', async () => {
    const dir = path.join(pkg.dir, 'analyze-sample');
    await mkdir(dir);
    const r = await pkg.strangler(['analyze', '--no-interactive'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Proposed bounded contexts from bundled sample: [\d,]+ statements \(csvlog\); \d+ modules; 33 tables$/m);
    expect(r.stdout).toMatch(/vs .*domains\.yaml: pairwise F1 tables \d\.\d{3}/);
  });

  it('a project imports strangler-fig/outbox from the installed package (compiled, with type declarations)', async () => {
    const script = "const m = await import('strangler-fig/outbox'); console.log(import.meta.resolve('strangler-fig/outbox'), typeof m.emitEvent, typeof m.createOutboxTable);";
    const r = await execa(process.execPath, ['--input-type=module', '-e', script], { cwd: pkg.dir, env: plainEnv(), extendEnv: false });
    expect(r.stdout.trim()).toBe(`file://${path.join(pkg.packageDir, 'dist/outbox/index.js')} function function`);
    expect(await readFile(path.join(pkg.packageDir, 'dist/outbox/index.d.ts'), 'utf8')).toMatch(/export \{[^}]*emitEvent[^}]*\} from '\.\/emit-event\.js'/);
  });
});
