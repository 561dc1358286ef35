// npm run bench:extract [-- --lines N]
// Scales the sample monolith's code to about N lines (default 450k, the analyze-code bench's input: copies of
// fixtures/sample-monolith/src under bench/.work/code-<copies>/), points a strangler.yaml at it (monolith.source)
// and at a migrated sample database (DATABASE_URL, default the local PostgreSQL; a database bench_extract is
// created), then in the same run times `strangler extract catalog` end to end (wall time, peak RSS through
// /usr/bin/time), which runs analyze's code scan over the whole tree and the code move (ts-morph) of the
// handlers the catalog routes reach, and `tsc --noEmit` over the same tree. Prints a table; writes bench/results/extract.json.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrateLatest } from '../fixtures/sample-monolith/src/index.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const targetLines = Number(arg('lines', '450000'));
const sample = path.join(root, 'fixtures/sample-monolith/src');
const work = path.join(root, 'bench/.work');
const admin = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

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

/** The same tree as bench/analyze-code.ts: bench/.work/code-<copies>/src/shop-NNNN/ (reused when complete). */
async function generate(): Promise<string> {
  const one = await countLines(sample);
  const copies = Math.max(1, Math.round(targetLines / (one.lines + 4)));
  const dir = path.join(work, `code-${copies}`);
  if (existsSync(path.join(dir, '.complete'))) return dir;
  await rm(dir, { recursive: true, force: true });
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
  return dir;
}

async function timed(cmd: string, args: string[], cwd: string): Promise<{ seconds: number; maxRssMB: number; exitCode: number; stdout: string; stderr: string }> {
  const rssFile = path.join(work, 'time-extract.txt');
  const start = process.hrtime.bigint();
  const r = await execa('/usr/bin/time', ['-f', '%M', '-o', rssFile, cmd, ...args], { cwd, reject: false, maxBuffer: 1 << 30, env: { NO_COLOR: '1' } });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const maxRssMB = Number((await readFile(rssFile, 'utf8')).trim().split('\n').at(-1)) / 1024;
  return { seconds, maxRssMB, exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function monolithDatabase(): Promise<string> {
  const url = new URL(admin);
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query('DROP DATABASE IF EXISTS bench_extract WITH (FORCE)');
  await c.query('CREATE DATABASE bench_extract');
  await c.end();
  url.pathname = '/bench_extract';
  await migrateLatest(url.toString());
  return url.toString();
}

await mkdir(work, { recursive: true });
const tree = await generate();
const size = await countLines(path.join(tree, 'src'));
process.stderr.write(`tree: ${size.files.toLocaleString()} files, ${size.lines.toLocaleString()} lines\n`);
const database = await monolithDatabase();
const project = path.join(work, 'extract');
await rm(project, { recursive: true, force: true });
await mkdir(project, { recursive: true });
// the contexts' modules are those of the first copy (monolith.source is the tree's src/, so `src/x` is `shop-0000/x`)
const truth = (await readFile(path.join(root, 'fixtures/sample-monolith/domains.yaml'), 'utf8')).replace(/\bsrc\//g, 'shop-0000/');
await writeFile(path.join(project, 'strangler.yaml'), `version: 1\nmonolith:\n  source: ${JSON.stringify(path.join(tree, 'src'))}\n  database: ${database}\ncontexts: {}\n`);
await writeFile(path.join(project, 'domains.yaml'), truth);
await execa('node', [path.join(root, 'bin/strangler.js'), 'context', 'add', '--from', 'domains.yaml'], { cwd: project });

process.stderr.write('strangler extract catalog…\n');
const extract = await timed(process.execPath, [path.join(root, 'bin/strangler.js'), 'extract', 'catalog'], project);
if (extract.exitCode !== 0) throw new Error(`extract failed: ${extract.stderr}`);
const moved = /(\d+) route\(s\) moved, (\d+) not moved/.exec(extract.stdout);
const seams = /(\d+) seam\(s\)/.exec(extract.stdout);
const movedFiles = (await readdir(path.join(project, 'services/catalog/src/domain'), { recursive: true })).filter((f) => String(f).endsWith('.ts')).length;

process.stderr.write('tsc --noEmit on the same tree…\n');
await writeFile(path.join(tree, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', allowImportingTsExtensions: true, noEmit: true, strict: true, esModuleInterop: true, skipLibCheck: true, types: ['node'] }, include: ['src'] }));
const tsc = await timed(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json'], tree);

const result = {
  tree: { files: size.files, lines: size.lines },
  extract: { seconds: +extract.seconds.toFixed(2), maxRssMB: Math.round(extract.maxRssMB), routesMoved: Number(moved?.[1] ?? 0), routesNotMoved: Number(moved?.[2] ?? 0), seams: Number(seams?.[1] ?? 0), movedFiles },
  tscNoEmit: { seconds: +tsc.seconds.toFixed(2), maxRssMB: Math.round(tsc.maxRssMB), exitCode: tsc.exitCode, firstDiagnostic: tsc.stdout.split('\n').find((l) => l.includes('error TS')) },
  ratio: +(tsc.seconds / extract.seconds).toFixed(2),
  note: moved && Number(moved[1]) === 0 ? 'no handler was moved: the time is the schema, scaffold and file plan only' : undefined,
};
await mkdir(path.join(root, 'bench/results'), { recursive: true });
await writeFile(path.join(root, 'bench/results/extract.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(`tree                      ${size.lines.toLocaleString()} lines, ${size.files.toLocaleString()} files`);
console.log(`strangler extract catalog ${result.extract.seconds.toFixed(2)} s  ${result.extract.maxRssMB} MB  (${result.extract.routesMoved} routes moved, ${result.extract.routesNotMoved} not moved, ${result.extract.seams} seams, ${movedFiles} files under src/domain)`);
console.log(`tsc --noEmit              ${result.tscNoEmit.seconds.toFixed(2)} s  ${result.tscNoEmit.maxRssMB} MB  (exit ${tsc.exitCode})`);
console.log(`tsc / extract             ${result.ratio}x`);
if (result.note) console.log(`note: ${result.note}`);
