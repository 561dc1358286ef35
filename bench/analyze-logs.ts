// npm run bench:analyze-logs [-- --statements N]
// Generates a csvlog of N statements (default 5M) from the statement shapes of the sample monolith's recording
// (sessions, transactions, multi-line statements, prepared-statement parameters), then times strangler's log
// summary (one process, one core: statements/s and peak RSS, at N/4 and N to show RSS does not grow with the
// log) and pgBadger (`-j 1`) on the same file in the same run, and prints the ratio. pgBadger is installed
// with apt-get when it is missing and the bench runs as root; otherwise its column stays 'n/a'.
import { execa } from 'execa';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsvlog } from '../src/analyzers/logs/read-csvlog.ts';
import { openText } from '../src/analyzers/logs/read-text.ts';
import { initSqlParser, StatementParser } from '../src/analyzers/sql/extract-tables.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const total = Number(arg('statements', '5000000'));
const work = path.join(root, 'bench/.work');
await mkdir(work, { recursive: true });

// Shapes that touch tables (with their relative frequencies) from the committed recording, each as the whole
// text of its first statement.
async function recordedShapes(file: string): Promise<{ sql: string; weight: number }[]> {
  await initSqlParser();
  const parser = new StatementParser();
  const byShape = new Map<string, { sql: string; weight: number }>();
  for await (const batch of readCsvlog(await openText(file), file, { skippedLines: 0, warnings: [] })) {
    for (const st of batch) {
      let parsed;
      try {
        parsed = parser.parse(st.sql);
      } catch {
        continue;
      }
      if (parsed.access.tables.length === 0) continue;
      const shape = byShape.get(parsed.fingerprint);
      if (shape) shape.weight++;
      else byShape.set(parsed.fingerprint, { sql: st.sql, weight: 1 });
    }
  }
  return [...byShape.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, shape]) => shape);
}
const shapes = await recordedShapes(path.join(root, 'fixtures/sample-monolith/logs/comments-off/postgresql.csv.gz'));
const cumulative: number[] = [];
let sum = 0;
for (const s of shapes) cumulative.push((sum += s.weight));

async function generate(file: string, n: number): Promise<void> {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const out = createWriteStream(file);
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  let line = 0;
  const base = Date.UTC(2026, 0, 1);
  let buffer = '';
  const emit = async (session: number, message: string, detail = '') => {
    line++;
    const ts = new Date(base + line * 3).toISOString().replace('T', ' ').replace('Z', ' UTC');
    buffer += `${ts},"shop","shop",${1000 + session},"127.0.0.1:5000",6b0.${session.toString(16)},${line},"SELECT",2026-01-01 00:00:00 UTC,5/${line},0,LOG,00000,${q(message)},${detail ? q(detail) : ''},,,,,,,,"shop-monolith","client backend",,0\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  };
  let written = 0;
  while (written < n) {
    const session = Math.floor(rand() * 64);
    const inTx = rand() < 0.15;
    if (inTx) await emit(session, 'statement: BEGIN');
    const k = inTx ? 3 : 1;
    for (let i = 0; i < k && written < n; i++) {
      const pick = rand() * sum;
      const shape = shapes[cumulative.findIndex((c) => c >= pick)]!;
      await emit(session, `execute <unnamed>: ${shape.sql}`, `Parameters: $1 = '${Math.floor(rand() * 1000)}', $2 = '20'`);
      written++;
    }
    if (inTx) await emit(session, 'statement: COMMIT');
  }
  out.end(buffer);
  await once(out, 'finish');
}

async function strangler(file: string) {
  const r = await execa(process.execPath, ['--import', 'tsx', path.join(root, 'bench/analyze-logs-child.ts'), file], { cwd: root });
  return JSON.parse(r.stdout) as { statements: number; seconds: number; maxRssMB: number };
}

const small = path.join(work, `log-${total / 4}.csv`);
const big = path.join(work, `log-${total}.csv`);
process.stderr.write(`generating ${total.toLocaleString()} and ${(total / 4).toLocaleString()} statements (csvlog)…\n`);
await generate(small, total / 4);
await generate(big, total);
const mb = async (f: string) => (await stat(f)).size / 1e6;

const s1 = await strangler(small);
const s2 = await strangler(big);
let pgbadger: { seconds: number } | undefined;
if (await ensurePgbadger()) {
  process.stderr.write(`pgBadger (-j 1) on ${total.toLocaleString()} statements…\n`);
  const start = process.hrtime.bigint();
  await execa('pgbadger', ['-f', 'csv', '-j', '1', '-q', '-o', path.join(work, 'pgbadger.html'), big]);
  pgbadger = { seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}
/** pgBadger on the PATH, installing Debian's package when we may (root, apt-get present), like Chromium for the tests. */
async function ensurePgbadger(): Promise<boolean> {
  const found = async () => (await execa('sh', ['-c', 'command -v pgbadger'], { reject: false })).exitCode === 0;
  if (await found()) return true;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = existsSync('/usr/bin/apt-get');
  if (!isRoot || !hasApt) {
    const why = !hasApt ? 'apt-get is not available' : 'not running as root';
    process.stderr.write(`pgbadger is not installed and ${why}: its column stays 'n/a' (Debian/Ubuntu: sudo apt-get install pgbadger; elsewhere https://pgbadger.darold.net)\n`);
    return false;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['-o', 'Acquire::Retries=3', 'update'],
    ['-o', 'Acquire::Retries=3', 'install', '-y', '--no-install-recommends', 'pgbadger'],
  ]) {
    process.stderr.write(`pgbadger is missing: apt-get ${args.join(' ')}\n`);
    const r = await execa('apt-get', args, { env, reject: false, stdout: 'ignore', stderr: 'inherit' });
    if (r.exitCode !== 0) break;
  }
  if (await found()) return true;
  process.stderr.write("could not install pgbadger with apt-get: its column stays 'n/a'\n");
  return false;
}

const rate = (x: { statements: number; seconds: number }) => Math.round(x.statements / x.seconds);
// Rates count every logged statement strangler reads, BEGIN and COMMIT included (the generator wraps some
// statements in transactions); the first column gives both counts.
const label = (n: number, x: { statements: number }) => `${n.toLocaleString()} statements (${x.statements.toLocaleString()} with BEGIN/COMMIT)`;
const rows = [
  ['input', 'size (MB)', 'strangler (s)', 'statements/s (all logged)', 'peak RSS (MB)', 'pgBadger -j 1 (s)', 'pgBadger / strangler'],
  [label(total / 4, s1), (await mb(small)).toFixed(0), s1.seconds.toFixed(1), rate(s1).toLocaleString(), s1.maxRssMB.toFixed(0), '', ''],
  [label(total, s2), (await mb(big)).toFixed(0), s2.seconds.toFixed(1), rate(s2).toLocaleString(), s2.maxRssMB.toFixed(0), pgbadger ? pgbadger.seconds.toFixed(1) : 'n/a', pgbadger ? `${(pgbadger.seconds / s2.seconds).toFixed(1)}x` : 'n/a'],
];
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
for (const r of rows) process.stdout.write(`${r.map((c, i) => String(c).padEnd(widths[i]!)).join('  ')}\n`);
await mkdir(path.join(root, 'bench/results'), { recursive: true });
await writeFile(
  path.join(root, 'bench/results/analyze.json'),
  `${JSON.stringify({ statements: total, small: s1, big: s2, pgbadger, ratio: pgbadger ? pgbadger.seconds / s2.seconds : null }, null, 2)}\n`,
);
