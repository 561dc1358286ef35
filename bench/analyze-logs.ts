// npm run bench:analyze-logs [-- --statements N] [--big M]
// Generates one stream of N statements (default 1M) from the statement shapes of the sample monolith's recording
// (sessions, transactions, multi-line statements, prepared-statement parameters) and writes it as a csvlog, a
// stderr log (prefix `%m [%p] %q%u@%d/%a `, which strangler infers: no flag given) and a syslog log (rsyslog,
// `[N-M]` numbering, `#011` continuations). On each file, in the same run: strangler's log summary with one
// thread and with two (the file cut across worker threads), and pgBadger (`-j 1`, told the format and prefix) on
// the same file; prints statements/s, the 2-thread speed-up and the pgBadger ratio. strangler also reads a csvlog of
// M statements (default 4N) with one and two threads, where the cores pay off most (a worker thread takes about a
// second to start) and peak RSS is seen not to grow with the log. pgBadger comes from PGBADGER, the PATH
// or Debian's package (bench/pgbadger.ts); without it its columns stay 'n/a'. Saves bench/results/analyze-logs.json.
import { execa } from 'execa';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsvlog } from '../src/analyzers/logs/read-csvlog.ts';
import { openText } from '../src/analyzers/logs/read-text.ts';
import { initSqlParser, StatementParser } from '../src/analyzers/sql/extract-tables.ts';
import { findPgbadger } from './pgbadger.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const total = Number(arg('statements', '1000000'));
const bigTotal = Number(arg('big', String(total * 4)));
const work = path.join(root, 'bench/.work');
await mkdir(work, { recursive: true });

const STDERR_PREFIX = '%m [%p] %q%u@%d/%a ';
const SYSLOG_PREFIX = 'user=%u,db=%d,app=%a,client=%h ';

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

type Format = 'csvlog' | 'stderr' | 'syslog';

/** One log message (and its DETAIL) as each format writes it. */
function writer(format: Format) {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const messages = new Map<number, number>();
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return (line: number, session: number, message: string, detail: string): string => {
    const d = new Date(Date.UTC(2026, 0, 1) + line * 3);
    const ts = d.toISOString().replace('T', ' ').replace('Z', ' UTC');
    const pid = 1000 + session;
    if (format === 'csvlog') {
      return `${ts},"shop","shop",${pid},"127.0.0.1:5000",6b0.${session.toString(16)},${line},"SELECT",2026-01-01 00:00:00 UTC,5/${line},0,LOG,00000,${q(message)},${detail ? q(detail) : ''},,,,,,,,"shop-monolith","client backend",,0\n`;
    }
    const lines = (severity: string, text: string) => {
      const [first, ...rest] = text.split('\n');
      return [`${severity}:  ${first}`, ...rest.map((l) => `\t${l}`)];
    };
    const parts = [lines('LOG', message), ...(detail ? [lines('DETAIL', detail)] : [])];
    if (format === 'stderr') {
      const prefix = `${ts} [${pid}] shop@shop/shop-monolith `;
      return parts.map((p) => p.map((l, k) => (k === 0 ? `${prefix}${l}` : l)).join('\n')).join('\n') + '\n';
    }
    const time = `${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
    let out = '';
    for (const p of parts) {
      const n = (messages.get(pid) ?? 0) + 1;
      messages.set(pid, n);
      p.forEach((l, k) => {
        const body = k === 0 ? `user=shop,db=shop,app=shop-monolith,client=127.0.0.1 ${l}` : `#011${l.slice(1)}`;
        out += `${time} db-host postgres[${pid}]: [${n}-${k + 1}] ${body}\n`;
      });
    }
    return out;
  };
}

async function write(out: WriteStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

async function generate(file: string, n: number, format: Format): Promise<void> {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const out = createWriteStream(file);
  const render = writer(format);
  let line = 0;
  let buffer = '';
  const emit = async (session: number, message: string, detail = '') => {
    buffer += render(++line, session, message, detail);
    if (buffer.length > 1 << 20) {
      await write(out, buffer);
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

interface Run {
  statements: number;
  seconds: number;
  maxRssMB: number;
  threads: number;
}

async function strangler(file: string, threads: number): Promise<Run> {
  const r = await execa(process.execPath, ['--conditions=strangler-source', '--import', 'tsx', path.join(root, 'bench/analyze-logs-child.ts'), file, String(threads)], { cwd: root });
  return JSON.parse(r.stdout) as Run;
}

const pgbadger = await findPgbadger();
const PGBADGER_ARGS: Record<Format, string[]> = {
  csvlog: ['-f', 'csv'],
  stderr: ['-f', 'stderr', '-p', STDERR_PREFIX],
  syslog: ['-f', 'syslog', '-p', SYSLOG_PREFIX],
};
async function runPgbadger(file: string, format: Format): Promise<{ seconds: number; queries: number } | undefined> {
  if (!pgbadger) return undefined;
  process.stderr.write(`pgBadger ${pgbadger.version} (-j 1) on ${path.basename(file)}…\n`);
  const out = path.join(work, 'pgbadger.json');
  const start = process.hrtime.bigint();
  await execa(pgbadger.command, [...pgbadger.args, ...PGBADGER_ARGS[format], '-j', '1', '-q', '-x', 'json', '-o', out, file]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const report = JSON.parse(await readFile(out, 'utf8')) as { overall_stat?: { queries_number?: number } };
  await rm(out, { force: true });
  return { seconds, queries: report.overall_stat?.queries_number ?? 0 };
}

const files: Record<Format, string> = { csvlog: path.join(work, `log-${total}.csv`), stderr: path.join(work, `log-${total}.log`), syslog: path.join(work, `log-${total}.syslog`) };
const big = path.join(work, `log-${bigTotal}.csv`);
process.stderr.write(`generating ${total.toLocaleString()} statements as csvlog, stderr and syslog (and ${bigTotal.toLocaleString()} as csvlog)…\n`);
await generate(big, bigTotal, 'csvlog');
for (const format of Object.keys(files) as Format[]) await generate(files[format], total, format);
const mb = async (f: string) => (await stat(f)).size / 1e6;

const results: { format: Format; sizeMB: number; one: Run; two: Run; pgbadger?: { seconds: number; queries: number } }[] = [];
for (const format of Object.keys(files) as Format[]) {
  process.stderr.write(`strangler on the ${format} log, 1 then 2 threads…\n`);
  const one = await strangler(files[format], 1);
  const two = await strangler(files[format], 2);
  if (two.statements !== one.statements) throw new Error(`${format}: ${one.statements} statements with 1 thread, ${two.statements} with 2`);
  results.push({ format, sizeMB: await mb(files[format]), one, two, pgbadger: await runPgbadger(files[format], format) });
}
process.stderr.write(`strangler on the csvlog of ${bigTotal.toLocaleString()} statements, 1 then 2 threads…\n`);
const bigRun = { format: 'csvlog' as const, sizeMB: await mb(big), one: await strangler(big, 1), two: await strangler(big, 2) };

const rate = (x: { statements: number; seconds: number }) => Math.round(x.statements / x.seconds);
// Rates count every logged statement strangler reads, BEGIN and COMMIT included (the generator wraps some
// statements in transactions).
const rows = [
  ['log', 'size (MB)', 'statements', '1 thread (s)', 'statements/s', 'peak RSS (MB)', '2 threads (s)', 'statements/s', '2 threads / 1', 'pgBadger -j 1 (s)', 'pgBadger queries', 'pgBadger / strangler 1 thread'],
  ...[...results, bigRun].map((r) => [
    `${r.format} (${(r === bigRun ? bigTotal : total).toLocaleString()})`,
    r.sizeMB.toFixed(0),
    r.one.statements.toLocaleString(),
    r.one.seconds.toFixed(1),
    rate(r.one).toLocaleString(),
    r.one.maxRssMB.toFixed(0),
    r.two.seconds.toFixed(1),
    rate(r.two).toLocaleString(),
    `${(r.one.seconds / r.two.seconds).toFixed(2)}x`,
    'pgbadger' in r && r.pgbadger ? r.pgbadger.seconds.toFixed(1) : r === bigRun ? '-' : 'n/a',
    'pgbadger' in r && r.pgbadger ? r.pgbadger.queries.toLocaleString() : r === bigRun ? '-' : 'n/a',
    'pgbadger' in r && r.pgbadger ? `${(r.pgbadger.seconds / r.one.seconds).toFixed(1)}x` : r === bigRun ? '-' : 'n/a',
  ]),
];
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
for (const r of rows) process.stdout.write(`${r.map((c, i) => String(c).padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
await mkdir(path.join(root, 'bench/results'), { recursive: true });
await writeFile(
  path.join(root, 'bench/results/analyze-logs.json'),
  `${JSON.stringify({ statements: total, pgbadgerVersion: pgbadger?.version ?? null, big: { statements: bigTotal, ...bigRun, speedup: bigRun.one.seconds / bigRun.two.seconds }, results: results.map((r) => ({ ...r, speedup: r.one.seconds / r.two.seconds, pgbadgerRatio: r.pgbadger ? r.pgbadger.seconds / r.one.seconds : null })) }, null, 2)}\n`,
);
