import { execa } from 'execa';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizeTraces } from '../../src/analyzers/traces/summarize-traces.ts';
import type { TrafficSummary } from '../../src/analyzers/types.ts';
import { runAnalyze, SAMPLE_ROOT, type AnalyzeOptions, type AnalyzeResult } from '../../src/commands/analyze.ts';
import { createTestDatabase } from '../harness/databases.ts';

const bin = fileURLToPath(new URL('../../bin/strangler.js', import.meta.url));
const run = (args: string[], cwd: string) => execa('node', [bin, ...args], { cwd, reject: false, env: { NO_COLOR: '1', CI: 'true' } });

const OTLP = path.join(SAMPLE_ROOT, 'traces/otlp.jsonl.gz');
const JAEGER = path.join(SAMPLE_ROOT, 'traces/jaeger.json.gz');
const SCHEMA = path.join(SAMPLE_ROOT, 'schema.sql');
const DOMAINS = path.join(SAMPLE_ROOT, 'domains.yaml');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'analyze-traces-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('strangler analyze --traces on the recorded sample', () => {
  it('reads the OTLP/JSON recording into a proposal scored against the ground truth', async () => {
    const r = await run(['--json', 'analyze', '--traces', OTLP, '--schema', SCHEMA, '--compare', DOMAINS, '--no-interactive', '--out', 'out'], dir);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const result = JSON.parse(r.stdout) as AnalyzeResult;
    expect(result.inputs.logs).toEqual([{ file: OTLP, format: 'otlp', statements: expect.any(Number), traces: expect.any(Number), spans: expect.any(Number) }]);
    expect(result.inputs.logs[0]!.statements).toBeGreaterThan(5_000);
    expect(result.comparison!.tables.f1).toBeGreaterThanOrEqual(0.85);
    // Routes come from the traces alone here: no code was given.
    expect(result.comparison!.routes.items).toBeGreaterThanOrEqual(48);
    expect(result.contexts.flatMap((c) => c.routes)).toContain('POST /checkout');
    await access(path.join(dir, 'out/analysis.yaml'));
  });

  it('prints the trace input in the text summary, and reads monolith.traces from strangler.yaml (with logs)', async () => {
    const text = await run(['analyze', '--traces', JAEGER, '--schema', SCHEMA, '--no-interactive', '--out', 'out-text'], dir);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/^Proposed bounded contexts from flags: [\d,]+ statements \(jaeger\);/m);
    const config = path.join(dir, 'strangler.yaml');
    await writeFile(config, `monolith:\n  traces: [${path.relative(dir, OTLP)}]\n  logs: [${path.relative(dir, path.join(SAMPLE_ROOT, 'logs/comments-off/postgresql.csv.gz'))}]\n  schemaFile: ${path.relative(dir, SCHEMA)}\n`);
    const both = await runAnalyze({ configFile: config });
    expect(both.inputs.logs.map((l) => l.format)).toEqual(['csvlog', 'otlp']);
    const noTraces = await runAnalyze({ configFile: config, noTraces: true });
    expect(noTraces.inputs.logs.map((l) => l.format)).toEqual(['csvlog']);
    // The comments-off log has no route tags: the routes of the merged traffic are the traces'.
    expect(both.contexts.flatMap((c) => c.routes).length).toBeGreaterThanOrEqual(48);
    expect(noTraces.contexts.flatMap((c) => c.routes)).toEqual([]);
  });

  it('bad input: a file that is neither format exits 2 with one line naming it and writes nothing', async () => {
    const log = path.join(SAMPLE_ROOT, 'logs/comments-on/postgresql.log.gz');
    const r = await run(['analyze', '--traces', OTLP, log, '--schema', SCHEMA, '--no-interactive', '--out', 'bad-out'], dir);
    expect(r.exitCode).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${log}: not a trace export`);
    expect(lines[0]).toContain('OTLP/JSON');
    expect(lines[0]).toContain('Jaeger JSON');
    await expect(access(path.join(dir, 'bad-out'))).rejects.toThrow();
    const missing = await run(['analyze', '--traces', 'nowhere/*.jsonl', '--no-interactive'], dir);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a truncated recording is read up to the damage, with a warning, and still proposes', async () => {
    const bytes = await readFile(JAEGER);
    const cut = path.join(dir, 'cut.json.gz');
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r = await run(['--json', 'analyze', '--traces', cut, '--schema', SCHEMA, '--no-interactive', '--out', 'cut-out'], dir);
    expect(r.exitCode).toBe(0);
    const result = JSON.parse(r.stdout) as AnalyzeResult;
    expect(result.warnings).toContain(`${cut}: stopped early (unexpected end of file); read what came before`);
    expect(result.inputs.logs[0]!.statements).toBeGreaterThan(2_000);
  });
});

// ---------------------------------------------------------------- quality: what the traces add

const options = (o: Partial<AnalyzeOptions>): AnalyzeOptions => ({ configFile: path.join(dir, 'none.yaml'), schema: SCHEMA, compare: DOMAINS, ...o });

describe('analyze --traces: proposal quality on the sample (pairwise F1 against domains.yaml, schema always given)', () => {
  it('traces alone: tables and routes far above the schema alone', async () => {
    const [schemaOnly, traces] = await Promise.all([runAnalyze(options({})), runAnalyze(options({ traces: [OTLP] }))]);
    const c = traces.comparison!;
    process.stdout.write(`F1 traces alone: tables ${c.tables.f1.toFixed(3)} (${c.tables.items}), routes ${c.routes.f1.toFixed(3)} (${c.routes.items}); schema alone: tables ${schemaOnly.comparison!.tables.f1.toFixed(3)}\n`);
    expect(c.tables.items).toBe(30);
    expect(c.tables.f1).toBeGreaterThanOrEqual(0.85);
    expect(c.tables.f1).toBeGreaterThan(schemaOnly.comparison!.tables.f1 + 0.3);
    // Without traces there are no routes at all; with them, nearly every route of the ground truth is placed.
    expect(schemaOnly.comparison!.routes.items).toBe(0);
    expect(c.routes.items).toBeGreaterThanOrEqual(48);
    expect(c.routes.f1).toBeGreaterThanOrEqual(0.55);
  });

  it('traces + code: above the code alone on tables and routes', async () => {
    const [code, both] = await Promise.all([runAnalyze(options({ code: SAMPLE_ROOT })), runAnalyze(options({ code: SAMPLE_ROOT, traces: [OTLP] }))]);
    const c = both.comparison!;
    process.stdout.write(`F1 traces+code: tables ${c.tables.f1.toFixed(3)}, routes ${c.routes.f1.toFixed(3)}; code alone: tables ${code.comparison!.tables.f1.toFixed(3)}, routes ${code.comparison!.routes.f1.toFixed(3)}\n`);
    expect(c.tables.f1).toBeGreaterThanOrEqual(0.95);
    expect(c.tables.f1).toBeGreaterThan(code.comparison!.tables.f1 + 0.05);
    expect(c.routes.f1).toBeGreaterThanOrEqual(0.85);
    expect(c.routes.f1).toBeGreaterThan(code.comparison!.routes.f1);
  });
});

describe('analyze --traces on a fresh recording (the recorder under the OpenTelemetry SDK, another workload seed)', () => {
  it('both exports of it give the same traffic, and the traces alone still reach F1 >= 0.8 on tables', async () => {
    const database = await createTestDatabase('record_traces');
    const out = path.join(dir, 'fresh');
    try {
      const recorded = await execa(process.execPath, ['--conditions=strangler-source', '--import', 'tsx', path.join(SAMPLE_ROOT, 'scripts/record-traces.ts')], {
        env: { DATABASE_URL: database.url, TRACES_OUT: out, RECORD_SEED: '5', RECORD_REQUESTS: '1500' },
      });
      expect(recorded.stdout).toMatch(/^15\d\d requests .*: \d+ spans in \d+ traces/);
    } finally {
      await database.drop();
    }
    const view = (s: TrafficSummary) => ({ statements: s.statements, shapes: s.shapes.map((x) => [x.fingerprint, x.count, x.routes]), transactions: s.transactions, requests: s.requests });
    const [otlp, jaeger] = await Promise.all([summarizeTraces({ files: [path.join(out, 'otlp.jsonl.gz')] }), summarizeTraces({ files: [path.join(out, 'jaeger.json.gz')] })]);
    expect(view(jaeger)).toEqual(view(otlp));
    expect(otlp.statements).toBeGreaterThan(3_000);
    const r = await runAnalyze(options({ traces: [path.join(out, 'otlp.jsonl.gz')] }));
    expect(r.comparison!.tables.f1).toBeGreaterThanOrEqual(0.8);
    expect(r.comparison!.routes.items).toBeGreaterThanOrEqual(40);
  }, 300_000);
});
