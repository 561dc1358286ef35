import { mkdtemp, readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readParityVerdict } from '../../../src/routing/parity-verdict.ts';
import { readParityResult, toStoredParity, writeParityResult } from '../../../src/status/parity-store.ts';

const outcome = (pass: boolean) => ({
  domain: 'catalog',
  pass,
  failures: pass ? [] : ['3 data difference(s) in 1 table(s) (allowed: 0)'],
  data: { totals: { tables: 2, tablesWithDifferences: pass ? 0 : 1, missing: pass ? 0 : 2, extra: 0, changed: pass ? 0 : 1 } },
});

describe('parity store', () => {
  it('writes the result where the route shift gate reads it, with time, verdict and counts, leaving no temp file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'parity-store-'));
    const at = new Date('2026-12-03T07:00:00Z');
    const file = await writeParityResult(dir, toStoredParity(outcome(true), at));
    expect(file).toBe(path.join(dir, '.strangler', 'parity', 'catalog.json'));
    expect(await readParityVerdict(dir, 'catalog')).toEqual({ verdict: 'pass', at: at.toISOString(), file });
    expect(await readdir(path.dirname(file))).toEqual(['catalog.json']);

    await writeParityResult(dir, toStoredParity(outcome(false), at));
    expect((await readParityVerdict(dir, 'catalog')).verdict).toBe('fail');
    const read = await readParityResult(dir, 'catalog');
    expect(read).toMatchObject({ state: 'stored', result: { verdict: 'fail', at: at.toISOString(), checks: { data: true, api: false }, counts: { data: { missing: 2, changed: 1, tables: 2 } } } });
    expect(JSON.parse(await readFile(file, 'utf8')).failures).toEqual(['3 data difference(s) in 1 table(s) (allowed: 0)']);
  });

  it('says missing or unreadable rather than throwing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'parity-store-'));
    expect((await readParityResult(dir, 'cart')).state).toBe('missing');
    await mkdir(path.join(dir, '.strangler', 'parity'), { recursive: true });
    await writeFile(path.join(dir, '.strangler', 'parity', 'cart.json'), '{ not json');
    const bad = await readParityResult(dir, 'cart');
    expect(bad.state).toBe('unreadable');
    await writeFile(path.join(dir, '.strangler', 'parity', 'cart.json'), '{"verdict":"maybe"}');
    expect(await readParityResult(dir, 'cart')).toMatchObject({ state: 'unreadable', error: 'no verdict "pass" or "fail" in it' });
  });
});
