import { chmod, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInit } from '../../../src/commands/init.ts';
import { writeFilePlan } from '../../../src/generators/file-plan/apply-plan.ts';
import { isSafeRelativePath, planFiles, emptyManifest, MANIFEST_PATH } from '../../../src/generators/file-plan/file-plan.ts';

const tmp = () => mkdtemp(path.join(os.tmpdir(), 'file-plan-'));

describe('file plan', () => {
  it('creates a new tree at once, then updates generated files and keeps edited ones unless --force', async () => {
    const base = await tmp();
    const root = path.join(base, 'services', 'catalog');
    const v1 = [
      { path: 'a.txt', contents: 'one\n' },
      { path: 'src/b.ts', contents: 'export {};\n' },
    ];
    const first = await writeFilePlan(root, v1, { force: false, dryRun: false });
    expect(first.files.map((f) => f.action)).toEqual(['create', 'create']);
    expect(await readFile(path.join(root, 'src/b.ts'), 'utf8')).toBe('export {};\n');
    const manifest = JSON.parse(await readFile(path.join(root, MANIFEST_PATH), 'utf8'));
    expect(Object.keys(manifest.files)).toEqual(['a.txt', 'src/b.ts']);

    await writeFile(path.join(root, 'a.txt'), 'edited by the team\n');
    const v2 = [
      { path: 'a.txt', contents: 'two\n' },
      { path: 'src/b.ts', contents: 'export const b = 2;\n' },
      { path: 'c.txt', contents: 'c\n' },
    ];
    const dry = await writeFilePlan(root, v2, { force: false, dryRun: true });
    expect(dry.files.map((f) => [f.path, f.action])).toEqual([['a.txt', 'skip'], ['src/b.ts', 'change'], ['c.txt', 'create']]);
    expect(dry.files[0]!.reason).toContain('edited since strangler generated it');
    expect(await readFile(path.join(root, 'src/b.ts'), 'utf8')).toBe('export {};\n');

    await writeFilePlan(root, v2, { force: false, dryRun: false });
    expect(await readFile(path.join(root, 'a.txt'), 'utf8')).toBe('edited by the team\n');
    expect(await readFile(path.join(root, 'src/b.ts'), 'utf8')).toBe('export const b = 2;\n');
    expect((await readdir(root)).filter((n) => n.startsWith('.strangler-tmp'))).toEqual([]);

    const again = await writeFilePlan(root, v2, { force: false, dryRun: true });
    expect(again.files.map((f) => f.action)).toEqual(['skip', 'unchanged', 'unchanged']);
    const forced = await writeFilePlan(root, v2, { force: true, dryRun: false });
    expect(forced.files[0]!.action).toBe('change');
    expect(await readFile(path.join(root, 'a.txt'), 'utf8')).toBe('two\n');
  });

  it('refuses unsafe paths and a file that is not strangler\'s without --force', () => {
    expect(isSafeRelativePath('../x')).toBe(false);
    expect(isSafeRelativePath('/etc/passwd')).toBe(false);
    expect(isSafeRelativePath('a/./b')).toBe(false);
    expect(isSafeRelativePath('deploy/k8s/service.yaml')).toBe(true);
    expect(() => planFiles('/r', [{ path: 'a/../../b', contents: '' }], { rootExists: false, existing: new Map(), manifest: emptyManifest() }, { force: false })).toThrow(/unsafe path/);
    const plan = planFiles('/r', [{ path: 'x', contents: 'new' }], { rootExists: true, existing: new Map([['x', 'mine']]), manifest: emptyManifest() }, { force: false });
    expect(plan.files[0]).toMatchObject({ action: 'skip', reason: expect.stringContaining('not written by strangler') });
  });

  it('leaves nothing behind when the output folder is not writable', async () => {
    if (process.getuid?.() === 0) {
      // root writes anywhere: a folder in place of a file makes the move fail instead
      const base = await tmp();
      const root = path.join(base, 'svc');
      await mkdir(path.join(root, 'a.txt'), { recursive: true });
      await writeFile(path.join(root, 'a.txt', 'keep'), 'x');
      const plan = await writeFilePlan(root, [{ path: 'b.txt', contents: 'b' }], { force: false, dryRun: true });
      expect(plan.files[0]!.action).toBe('create');
      await expect(writeFilePlan(root, [{ path: 'a.txt', contents: 'a' }], { force: true, dryRun: false })).rejects.toThrow();
      expect((await readdir(root)).sort()).toEqual(['a.txt']);
      return;
    }
    const base = await tmp();
    await chmod(base, 0o555);
    await expect(writeFilePlan(path.join(base, 'svc'), [{ path: 'a', contents: 'a' }], { force: false, dryRun: false })).rejects.toThrow(/permission denied/);
    expect(await readdir(base)).toEqual([]);
  });

  it('init goes through the plan: --dry-run writes nothing, a re-run updates its own unedited file', async () => {
    const dir = await tmp();
    const file = path.join(dir, 'strangler.yaml');
    const dry = await runInit({ file, force: false, dryRun: true, env: {} });
    expect(dry.plan.files.map((f) => [f.path, f.action])).toEqual([['strangler.yaml', 'create'], ['strangler.schema.json', 'create']]);
    expect(await readdir(dir)).toEqual([]);
    await runInit({ file, force: false, env: {} });
    const rerun = await runInit({ file, force: false, env: { DATABASE_URL: 'postgres://x@127.0.0.1/x' } });
    expect(rerun.plan.files[0]!.action).toBe('change');
    expect(await readFile(file, 'utf8')).toContain('database: ${DATABASE_URL}');
  });
});
