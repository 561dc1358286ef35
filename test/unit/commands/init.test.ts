import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInit } from '../../../src/commands/init.ts';
import { loadConfig, parseConfig } from '../../../src/config/load-config.ts';
import { UsageError } from '../../../src/errors.ts';

async function monolithDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'init-'));
  await mkdir(path.join(dir, 'src'));
  await mkdir(path.join(dir, 'logs'));
  await mkdir(path.join(dir, '.git'));
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'legacy-shop' }));
  await writeFile(path.join(dir, 'logs', 'postgresql.csv.gz'), '');
  await writeFile(path.join(dir, 'logs', 'postgresql.log'), '');
  await writeFile(path.join(dir, 'logs', 'notes.txt'), '');
  return dir;
}

describe('strangler init', () => {
  it('detects the source dir, DATABASE_URL, log files and git, and writes a file loadConfig accepts', async () => {
    const dir = await monolithDir();
    const file = path.join(dir, 'strangler.yaml');
    const result = await runInit({ file, force: false, env: { DATABASE_URL: 'postgres://shop@127.0.0.1/shop' } });
    expect(result.detected).toEqual({
      name: 'legacy-shop',
      source: 'src',
      databaseFromEnv: true,
      logs: ['logs/postgresql.csv.gz', 'logs/postgresql.log'],
      git: '.',
    });
    const text = await readFile(file, 'utf8');
    expect(text).toContain('database: ${DATABASE_URL}');
    expect(text).not.toContain('postgres://shop@127.0.0.1/shop');
    const loaded = parseConfig(text, file, { env: { DATABASE_URL: 'postgres://shop@127.0.0.1/shop' } });
    expect(loaded.config.monolith.database).toBe('postgres://shop@127.0.0.1/shop');
    expect(loaded.config.monolith.name).toBe('legacy-shop');
    expect(loaded.config.monolith.logs).toEqual(['logs/postgresql.csv.gz', 'logs/postgresql.log']);
    const schema = JSON.parse(await readFile(result.schemaFile, 'utf8'));
    expect(schema.title).toBe('strangler.yaml');
  });

  it('writes a usable file when nothing can be detected', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'init-empty-'));
    const file = path.join(dir, 'strangler.yaml');
    const result = await runInit({ file, force: false, env: {} });
    expect(result.detected).toEqual({ databaseFromEnv: false, logs: [] });
    const loaded = await loadConfig(file);
    expect(loaded.config.monolith.database).toBeUndefined();
    expect(loaded.config.monolith.logs).toEqual([]);
  });

  it('refuses to overwrite without force (exit 2), and overwrites with it', async () => {
    const dir = await monolithDir();
    const file = path.join(dir, 'strangler.yaml');
    await writeFile(file, 'precious: true\n');
    const error = await runInit({ file, force: false, env: {} }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).hint).toContain('--force');
    expect(await readFile(file, 'utf8')).toBe('precious: true\n');
    await runInit({ file, force: true, env: {} });
    expect(await readFile(file, 'utf8')).toContain('version: 1');
  });
});
