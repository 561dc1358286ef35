import { execa } from 'execa';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { summarizeTraffic } from '../../src/analyzers/logs/summarize-traffic.ts';
import { runAnalyze, SAMPLE_LOG_PREFIX, SAMPLE_ROOT } from '../../src/commands/analyze.ts';
import { writeAnalysisFiles } from '../../src/report/write-analysis-files.ts';

const bin = fileURLToPath(new URL('../../bin/strangler.js', import.meta.url));
const run = async (args: string[], cwd: string) => execa('node', [bin, ...args], { cwd, reject: false, env: { NO_COLOR: '1' } });

describe('strangler analyze on the bundled sample monolith', () => {
  it('with no set-up, prints a proposal from the committed logs and code and writes its files', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'analyze-'));
    const r = await run(['analyze'], dir);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Proposed bounded contexts from bundled sample: [\d,]+ statements \(csvlog\); \d+ modules; 33 tables$/m);
    expect(r.stdout).toMatch(/vs .*domains\.yaml: pairwise F1 tables \d\.\d{3}/);
    const yaml = parse(await readFile(path.join(dir, 'strangler-analysis/analysis.yaml'), 'utf8'));
    const tables = Object.values(yaml.contexts as Record<string, { tables: string[] }>).flatMap((c) => c.tables);
    expect(tables.sort()).toHaveLength(33);
    expect(await readFile(path.join(dir, 'strangler-analysis/report.md'), 'utf8')).toContain('```mermaid\ngraph LR');
  });

  it('is deterministic and scores a hand-edited partition (--evaluate) with the same metrics', async () => {
    const out1 = await mkdtemp(path.join(os.tmpdir(), 'analyze-a-'));
    const a = await runAnalyze({ configFile: path.join(out1, 'none.yaml') });
    await writeAnalysisFiles(a, out1);
    const b = await runAnalyze({ configFile: path.join(out1, 'none.yaml') });
    const strip = (x: typeof a) => ({ ...x, written: [] });
    expect(strip(a)).toEqual(strip(b));
    expect(a.comparison!.tables.items).toBe(30); // 33 tables less the three deliberately shared ones
    // The ground truth itself, evaluated against itself, is a perfect match; the proposal's own file round-trips.
    const truth = await runAnalyze({ configFile: path.join(out1, 'none.yaml'), evaluate: path.join(SAMPLE_ROOT, 'domains.yaml') });
    expect(truth.comparison!.tables.f1).toBe(1);
    expect(truth.comparison!.modules.f1).toBe(1);
    const again = await runAnalyze({ configFile: path.join(out1, 'none.yaml'), evaluate: path.join(out1, 'analysis.yaml') });
    expect(again.comparison!.tables).toEqual(a.comparison!.tables);
    const groups = (x: typeof a) => x.contexts.map((c) => c.tables.join(',')).filter(Boolean).sort();
    expect(groups(again)).toEqual(groups(a));
  });

  it('reads the same traffic from the stderr, csvlog and jsonlog recordings', async () => {
    for (const mode of ['comments-on', 'comments-off']) {
      const read = (f: string) => summarizeTraffic({ files: [path.join(SAMPLE_ROOT, 'logs', mode, f)], logLinePrefix: SAMPLE_LOG_PREFIX });
      const [stderr, csv, json] = await Promise.all([read('postgresql.log.gz'), read('postgresql.csv.gz'), read('postgresql.json.gz')]);
      const view = (s: Awaited<ReturnType<typeof read>>) => ({ statements: s.statements, shapes: s.shapes.map((x) => [x.fingerprint, x.count, x.access.tables.join(',')]), transactions: s.transactions, requests: s.requests });
      expect(view(stderr)).toEqual(view(csv));
      expect(view(json)).toEqual(view(csv));
      expect(csv.statements).toBeGreaterThan(3000);
      expect(csv.requests.length > 0).toBe(mode === 'comments-on');
    }
  });

  it('bad input: nothing usable exits 2 with one line; a ground truth naming unknown tables warns', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'analyze-bad-'));
    await writeFile(path.join(dir, 'notes.txt'), 'not a log\n');
    const r = await run(['analyze', '--logs', 'notes.txt', '--no-code'], dir);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('no SQL statements found in 1 log file(s)');
    await writeFile(path.join(dir, 'truth.yaml'), 'contexts:\n  x:\n    tables: [orders, ghost_table]\nshared: []\n');
    const w = await runAnalyze({ configFile: path.join(dir, 'none.yaml'), logs: [path.join(SAMPLE_ROOT, 'logs/comments-off/postgresql.json.gz')], compare: path.join(dir, 'truth.yaml') });
    expect(w.warnings.some((x) => x.includes('1 table(s) not seen in the inputs: ghost_table'))).toBe(true);
    const bad = await run(['analyze', '--contexts', 'many'], dir);
    expect(bad.exitCode).toBe(2);
    const notRepo = await run(['analyze', '--git', dir], dir);
    expect(notRepo.exitCode).toBe(2);
    expect(notRepo.stderr.trim().split('\n')).toHaveLength(1);
    expect(notRepo.stderr).toContain('not a git repository');
  });
});
