import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runContextAdd } from '../../../src/commands/context.ts';
import { runInit } from '../../../src/commands/init.ts';
import { parseConfig } from '../../../src/config/load-config.ts';
import { recordExtraction } from '../../../src/generators/config-edit/edit-plan-file.ts';

const SAMPLE_TRUTH = path.resolve('fixtures/sample-monolith/domains.yaml');

describe('strangler context add', () => {
  it('adopts contexts into a starter strangler.yaml, keeping its comments, and leaves hand edits alone', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'adopt-'));
    const file = path.join(dir, 'strangler.yaml');
    await runInit({ file, force: false, env: {} });
    const r = await runContextAdd({ configFile: file, from: SAMPLE_TRUTH, names: ['catalog', 'cart'], update: false, dryRun: false });
    expect(r.outcomes.map((o) => [o.name, o.action])).toEqual([['catalog', 'add'], ['cart', 'add']]);
    const text = await readFile(file, 'utf8');
    expect(text).toContain('# Bounded contexts: `strangler analyze` proposes them; edit freely.');
    expect(text).toContain('# Louvain resolution');
    const config = parseConfig(text, file, { env: {} }).config;
    expect(config.contexts.catalog!.tables).toEqual(['categories', 'brands', 'products', 'product_images', 'product_reviews']);
    expect(config.contexts.cart!.routes).toContain('DELETE /carts/:userId/items/:productId');
    expect(config.contexts.cart!.phase).toBe('analyzed');

    // a hand edit: a comment and a trimmed table list
    const edited = text.replace('  cart:\n', '  cart: # owned by the basket team\n').replace('tables: [ carts, cart_items ]', 'tables: [ carts ]');
    expect(edited).toContain('tables: [ carts ]');
    await writeFile(file, edited);
    const again = await runContextAdd({ configFile: file, from: SAMPLE_TRUTH, names: ['cart'], update: false, dryRun: false });
    expect(again.outcomes[0]).toMatchObject({ name: 'cart', action: 'keep' });
    expect(await readFile(file, 'utf8')).toBe(edited);

    const dry = await runContextAdd({ configFile: file, from: SAMPLE_TRUTH, names: ['cart'], update: true, dryRun: true });
    expect(dry).toMatchObject({ written: false, outcomes: [{ action: 'update' }] });
    await runContextAdd({ configFile: file, from: SAMPLE_TRUTH, names: ['cart'], update: true, dryRun: false });
    const updated = await readFile(file, 'utf8');
    expect(updated).toContain('# owned by the basket team');
    expect(parseConfig(updated, file, { env: {} }).config.contexts.cart!.tables).toEqual(['carts', 'cart_items']);
  });

  it('names an unknown context in one line', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'adopt-'));
    const file = path.join(dir, 'strangler.yaml');
    await writeFile(file, 'version: 1\n');
    await expect(runContextAdd({ configFile: file, from: SAMPLE_TRUTH, names: ['billing'], update: false, dryRun: false })).rejects.toThrow(/no context "billing"/);
    expect(await readFile(file, 'utf8')).toBe('version: 1\n');
  });

  it('records an extraction: service path, database variable, url and phase, comments kept', () => {
    const text = 'contexts:\n  # the shop window\n  catalog:\n    tables: [products]\n    service:\n      database: ${CATALOG_DB}\n';
    const out = recordExtraction(text, 'strangler.yaml', 'catalog', { path: 'services/catalog', databaseEnv: 'DATABASE_URL', url: 'http://127.0.0.1:4001' });
    expect(out).toContain('# the shop window');
    const c = parseConfig(out, 'strangler.yaml', { env: { CATALOG_DB: 'postgres://x@h/c' } }).config.contexts.catalog!;
    expect(c).toMatchObject({ phase: 'extracted', service: { path: 'services/catalog', databaseEnv: 'DATABASE_URL', url: 'http://127.0.0.1:4001', database: 'postgres://x@h/c' } });
  });
});
