import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAnalyze, SAMPLE_LOG_PREFIX, SAMPLE_ROOT, type AnalyzeOptions } from '../../src/commands/analyze.ts';

/**
 * Quality of the proposal on the bundled sample, against its ground truth (domains.yaml, shared tables excluded),
 * for each mix of inputs. The schema (pg_dump) is always given: it is part of the database being split.
 */
const inputs = (mode: 'comments-on' | 'comments-off', combo: 'logs+code' | 'logs' | 'code'): AnalyzeOptions => ({
  configFile: path.join(SAMPLE_ROOT, 'no-such-strangler.yaml'),
  logs: combo === 'code' ? undefined : [path.join(SAMPLE_ROOT, 'logs', mode, 'postgresql.csv.gz')],
  logLinePrefix: SAMPLE_LOG_PREFIX,
  code: combo === 'logs' ? undefined : SAMPLE_ROOT,
  schema: path.join(SAMPLE_ROOT, 'schema.sql'),
  compare: path.join(SAMPLE_ROOT, 'domains.yaml'),
});

// Pairwise F1 over tables, the targets: >= 0.9 with logs and code, >= 0.8 with either alone.
const floors = { 'logs+code': 0.9, code: 0.8, logs: 0.8 } as const;

describe('analyze: proposal quality on the sample monolith', () => {
  for (const mode of ['comments-on', 'comments-off'] as const) {
    for (const combo of ['logs+code', 'code', 'logs'] as const) {
      it(`${combo}, ${mode}: pairwise F1 (tables) >= ${floors[combo]}`, async () => {
        const r = await runAnalyze(inputs(mode, combo));
        expect(r.comparison!.tables.items).toBe(30);
        expect(r.comparison!.tables.f1).toBeGreaterThanOrEqual(floors[combo]);
        expect(r.contexts.flatMap((c) => c.tables).sort()).toHaveLength(33);
      });
    }
  }

  it('flags the settings table (read everywhere) and the audit log (written everywhere) as shared', async () => {
    const r = await runAnalyze({ configFile: path.join(SAMPLE_ROOT, 'no-such-strangler.yaml') });
    const shared = new Map(r.shared.map((s) => [s.table, s]));
    expect(shared.get('settings')?.usedBy.length).toBeGreaterThanOrEqual(3);
    expect(shared.get('audit_log')?.usedBy.length).toBeGreaterThanOrEqual(3);
    for (const s of r.shared) expect(r.contexts.map((c) => c.name)).toContain(s.suggestedOwner);
  });

  it('names contexts after their evidence, uniquely, and gives the same answer twice', async () => {
    const a = await runAnalyze(inputs('comments-off', 'logs+code'));
    const b = await runAnalyze(inputs('comments-off', 'logs+code'));
    expect(a.contexts).toEqual(b.contexts);
    expect(a.metrics).toEqual(b.metrics);
    const names = a.contexts.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    // The context holding the cart tables is named from them, not after an arbitrary table.
    expect(a.contexts.find((c) => c.tables.includes('cart_items'))!.name).toBe('cart');
  });
});

describe('analyze: the logs-alone proposal does not depend on one recording', () => {
  it('a fresh recording of the shop (another workload seed, 1,500 requests) still reaches F1 >= 0.8 from logs alone', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'strangler-recording-'));
    try {
      await execa(process.execPath, ['--conditions=strangler-source', '--import', 'tsx', path.join(SAMPLE_ROOT, 'scripts/record-logs.ts')], {
        env: { RECORD_OUT: out, RECORD_SEED: '5', RECORD_REQUESTS: '1500', RECORD_SCHEMA: '0' },
      });
      for (const mode of ['comments-on', 'comments-off'] as const) {
        const r = await runAnalyze({ ...inputs(mode, 'logs'), logs: [path.join(out, mode, 'postgresql.csv.gz')] });
        expect(r.inputs.logs[0]!.statements, mode).toBeGreaterThan(2_000);
        expect(r.comparison!.tables.f1, mode).toBeGreaterThanOrEqual(0.8);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 300_000);
});
