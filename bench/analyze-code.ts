// npm run bench:analyze-code [-- --lines N]
// Scales the sample monolith's code (fixtures/sample-monolith/src, ~1.7k lines) to a TypeScript tree of about
// N lines (default 450k) under bench/.work/ (copies of the shop, each also importing its predecessor so the
// graph is connected), then, in the same run, times strangler's code scan (imports, calls, table access,
// routes; one child process: wall time and peak RSS) and dependency-cruiser's dependency graph of the same
// tree (`depcruise --no-config -T json`, node_modules not followed; peak RSS through /usr/bin/time), and
// `strangler analyze --code` end to end. Prints a table; writes bench/results/analyze-code.json.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const targetLines = Number(arg('lines', '450000'));
const sample = path.join(root, 'fixtures/sample-monolith/src');
const work = path.join(root, 'bench/.work');

async function countLines(dir: string): Promise<{ files: number; lines: number }> {
  let files = 0;
  let lines = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.ts')) continue;
    files++;
    lines += (await readFile(path.join(e.parentPath, e.name), 'utf8')).split('\n').length;
  }
  return { files, lines };
}

/** bench/.work/code-<copies>/src/shop-NNNN/...: one copy of the sample per NNNN, plus link.ts. */
async function generate(): Promise<{ dir: string; copies: number }> {
  const one = await countLines(sample);
  const copies = Math.max(1, Math.round(targetLines / (one.lines + 4)));
  const dir = path.join(work, `code-${copies}`);
  if (existsSync(path.join(dir, '.complete'))) return { dir, copies };
  await rm(dir, { recursive: true, force: true });
  process.stderr.write(`generating ${copies} copies of the sample's code (${one.files} files, ${one.lines.toLocaleString()} lines each) in ${path.relative(root, dir)}…\n`);
  for (let k = 0; k < copies; k++) {
    const name = `shop-${String(k).padStart(4, '0')}`;
    await cp(sample, path.join(dir, 'src', name), { recursive: true });
    const previous = k > 0 ? `shop-${String(k - 1).padStart(4, '0')}` : undefined;
    await writeFile(
      path.join(dir, 'src', name, 'link.ts'),
      previous ? `import { router } from './routes.ts';\nimport * as previous from '../${previous}/services/checkout.ts';\n\nexport const linked = [router, previous];\n` : `import { router } from './routes.ts';\n\nexport const linked = [router];\n`,
    );
  }
  await writeFile(path.join(dir, '.complete'), '');
  return { dir, copies };
}

const hasTime = existsSync('/usr/bin/time');
/** Runs a command, returning wall seconds and (with GNU time) its peak RSS in MB. */
async function timed(cmd: string, args: string[], cwd: string): Promise<{ seconds: number; maxRssMB?: number; stdout: string }> {
  const rssFile = path.join(work, 'time.txt');
  const start = process.hrtime.bigint();
  const r = hasTime
    ? await execa('/usr/bin/time', ['-f', '%M', '-o', rssFile, cmd, ...args], { cwd, maxBuffer: 1 << 30 })
    : await execa(cmd, args, { cwd, maxBuffer: 1 << 30 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const maxRssMB = hasTime ? Number((await readFile(rssFile, 'utf8')).trim().split('\n').at(-1)) / 1024 : undefined;
  return { seconds, maxRssMB, stdout: r.stdout };
}

await mkdir(work, { recursive: true });
const { dir, copies } = await generate();
const size = await countLines(path.join(dir, 'src'));
process.stderr.write(`tree: ${size.files.toLocaleString()} files, ${size.lines.toLocaleString()} lines\n`);

process.stderr.write('strangler code scan…\n');
const scanRun = await timed(process.execPath, ['--import', 'tsx', path.join(root, 'bench/analyze-code-child.ts'), path.join(dir, 'src')], root);
const scan = JSON.parse(scanRun.stdout.trim().split('\n').at(-1)!) as { modules: number; lines: number; imports: number; calls: number; tableAccess: number; routes: number; seconds: number; maxRssMB: number };

process.stderr.write('dependency-cruiser…\n');
const depcruiseOut = path.join(work, 'depcruise.json');
const depcruise = await timed(path.join(root, 'node_modules/.bin/depcruise'), ['--no-config', '--do-not-follow', 'node_modules', '--output-type', 'json', '--output-to', depcruiseOut, 'src'], dir);
const cruised = JSON.parse(await readFile(depcruiseOut, 'utf8')) as { summary: { totalCruised: number; totalDependenciesCruised: number } };
const depcruiseMB = (await stat(depcruiseOut)).size / 1e6;
await rm(depcruiseOut);

process.stderr.write('strangler analyze --code (scan, graph, clustering, reports)…\n');
const analyzeOut = path.join(work, 'analyze-code-out');
const analyze = await timed(process.execPath, [path.join(root, 'bin/strangler.js'), 'analyze', '--code', path.join(dir, 'src'), '--no-interactive', '--out', analyzeOut], root);

const fmt = (n: number | undefined, digits = 0) => (n === undefined ? 'n/a' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const rows = [
  ['tool', 'what', 'wall (s)', 'peak RSS (MB)', 'modules', 'edges'],
  ['strangler scanCode', 'imports, calls, table access, routes', fmt(scan.seconds, 1), fmt(scan.maxRssMB), fmt(scan.modules), `${fmt(scan.imports)} imports, ${fmt(scan.calls)} call pairs, ${fmt(scan.tableAccess)} table accesses`],
  ['  (child process)', 'incl. Node + tsx start', fmt(scanRun.seconds, 1), fmt(scanRun.maxRssMB), '', ''],
  ['dependency-cruiser', 'module dependency graph (json)', fmt(depcruise.seconds, 1), fmt(depcruise.maxRssMB), fmt(cruised.summary.totalCruised), `${fmt(cruised.summary.totalDependenciesCruised)} dependencies (${depcruiseMB.toFixed(0)} MB json)`],
  ['strangler analyze --code', 'whole command', fmt(analyze.seconds, 1), fmt(analyze.maxRssMB), '', ''],
];
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
process.stdout.write(`code tree: ${copies} copies of the sample shop, ${fmt(size.files)} files, ${fmt(size.lines)} lines\n`);
for (const r of rows) process.stdout.write(`${r.map((c, i) => String(c).padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
const ratio = depcruise.seconds / scanRun.seconds;
process.stdout.write(`dependency-cruiser / strangler (wall, both as processes): ${ratio.toFixed(2)}x; targets: <= 30 s and <= 2,048 MB for the scan at ~450k lines\n`);
await mkdir(path.join(root, 'bench/results'), { recursive: true });
await writeFile(
  path.join(root, 'bench/results/analyze-code.json'),
  `${JSON.stringify({ lines: size.lines, files: size.files, copies, strangler: { scan, process: { seconds: scanRun.seconds, maxRssMB: scanRun.maxRssMB } }, dependencyCruiser: { seconds: depcruise.seconds, maxRssMB: depcruise.maxRssMB, modules: cruised.summary.totalCruised, dependencies: cruised.summary.totalDependenciesCruised }, analyzeCode: { seconds: analyze.seconds, maxRssMB: analyze.maxRssMB }, ratio }, null, 2)}\n`,
);
