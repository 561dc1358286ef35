// npm run bench:corpus   (STRANGLER_CORPUS=/path/to/folder of checked-out backends; nothing from them is committed)
// For each repository in the folder: what its code holds, counted independently (bench/corpus-truth.ts), against
// what `scanCode` finds: table recall, found names that are not tables, route recall, routes with their handler's
// file; and the scan's wall time next to dependency-cruiser's (`depcruise --no-config -T json`, as a process,
// node_modules not followed) on the same repository in the same run. Writes bench/results/corpus.json.
// `--show` prints the missed and extra names and routes of each repository (for hand checks).
import { execa } from 'execa';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanCode } from '../src/analyzers/code/scan-code.ts';
import { countTruth, type TruthRoute } from './corpus-truth.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpus = process.env.STRANGLER_CORPUS;
if (!corpus) {
  process.stderr.write('set STRANGLER_CORPUS to a folder holding checked-out backends (one repository per subfolder)\n');
  process.exit(2);
}
const show = process.argv.includes('--show');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const repos = (await readdir(corpus, { withFileTypes: true })).filter((e) => e.isDirectory() && (!only || only.split(',').includes(e.name))).map((e) => e.name).sort();

const pct = (a: number, b: number) => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}%`);
const rows: string[][] = [['repository', 'lines', 'tables (truth)', 'table recall', 'non-tables', 'routes (truth)', 'route recall', 'with handler file', 'scan (s)', 'depcruise (s)']];
const results: Record<string, unknown>[] = [];

/** Registrations the scan found at (file, method, line a few lines before the counted one: decorators, multi-line calls). */
function matchRoutes(truth: TruthRoute[], found: { file: string; line: number; method: string }[]): { hit: number; missed: TruthRoute[] } {
  const pool = new Map<string, number[]>();
  for (const f of found) (pool.get(`${f.file}|${f.method}`) ?? pool.set(`${f.file}|${f.method}`, []).get(`${f.file}|${f.method}`)!).push(f.line);
  const missed: TruthRoute[] = [];
  let hit = 0;
  for (const t of truth) {
    const lines = pool.get(`${t.file}|${t.method}`) ?? [];
    const i = lines.findIndex((l) => l <= t.line && t.line - l <= 12);
    if (i >= 0) {
      lines.splice(i, 1);
      hit++;
    } else missed.push(t);
  }
  return { hit, missed };
}

for (const name of repos) {
  const dir = path.join(corpus, name);
  const truth = await countTruth(dir);
  const start = process.hrtime.bigint();
  const model = await scanCode({ root: dir });
  const scanSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const found = new Set([...(model.tables ?? []).map((t) => t.table), ...model.tableAccess.map((a) => a.table)].map((t) => t.replace(/^public\./, '')));
  const expected = new Set(truth.tables.keys());
  const recalled = [...expected].filter((t) => found.has(t) || found.has(t.split('.').at(-1)!));
  const extra = [...found].filter((t) => !expected.has(t) && !expected.has(t.split('.').at(-1)!));
  // One registration mounted under several prefixes is one registration.
  const registrations = new Map<string, { file: string; line: number; method: string; handler: boolean }>();
  for (const r of model.routes) registrations.set(`${r.at.file}|${r.at.line}|${r.method}|${r.path}`, { file: r.at.file, line: r.at.line, method: r.method ?? r.route.split(' ')[0]!, handler: !!(r.handlerAt ?? r.handlerModule) });
  const { hit, missed } = matchRoutes(truth.routes, [...registrations.values()]);
  const withHandler = [...registrations.values()].filter((r) => r.handler).length;
  const tmp = path.join(os.tmpdir(), `depcruise-${name}.json`);
  const dcStart = process.hrtime.bigint();
  const dc = await execa(path.join(root, 'node_modules/.bin/depcruise'), ['--no-config', '--do-not-follow', 'node_modules', '--exclude', '(^|/)(node_modules|dist|build|coverage)/', '--output-type', 'json', '--output-to', tmp, '.'], { cwd: dir, reject: false, timeout: 600_000 });
  const dcSeconds = Number(process.hrtime.bigint() - dcStart) / 1e9;
  await rm(tmp, { force: true });
  rows.push([name, truth.lines.toLocaleString('en-US'), String(expected.size), pct(recalled.length, expected.size), `${pct(extra.length, found.size)} (${extra.length})`, String(truth.routes.length), pct(hit, truth.routes.length), pct(withHandler, registrations.size), scanSeconds.toFixed(1), dc.exitCode === 0 ? dcSeconds.toFixed(1) : `failed (${dcSeconds.toFixed(0)} s)`]);
  results.push({ name, lines: truth.lines, tables: expected.size, tableRecall: recalled.length / (expected.size || 1), found: found.size, nonTables: extra, routes: truth.routes.length, routeHits: hit, registrations: registrations.size, withHandler, scanSeconds, depcruiseSeconds: dc.exitCode === 0 ? dcSeconds : null, warnings: model.warnings.length });
  if (show) {
    process.stdout.write(`\n== ${name}\nmissed tables: ${[...expected].filter((t) => !recalled.includes(t)).map((t) => `${t} (${truth.tables.get(t)})`).join(', ')}\nnot tables: ${extra.join(', ')}\n`);
    process.stdout.write(`missed routes (${missed.length}): ${missed.slice(0, 25).map((m) => `${m.method} ${m.file}:${m.line}`).join(', ')}\n`);
  }
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
process.stdout.write(`\n${rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')}\n`);
process.stdout.write('aims: table recall >= 97%, non-tables <= 1%, route recall >= 95%; scan timed in process, dependency-cruiser as a process (incl. Node start)\n');
await mkdir(path.join(root, 'bench/results'), { recursive: true });
await writeFile(path.join(root, 'bench/results/corpus.json'), `${JSON.stringify(results, null, 2)}\n`);
