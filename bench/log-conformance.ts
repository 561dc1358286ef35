// PGBADGER_FIXTURES=<folder> [PGBADGER=<pgbadger script>] npm run bench:log-conformance
// For every PostgreSQL log in a folder (pgBadger's t/fixtures: extract them from github:darold/pgbadger; nothing
// of them is committed here), compares the query count strangler finds with auto-detection alone (no flags) with
// pgBadger's. pgBadger runs with the flags its own test suite gives for that file (t/*.t), else none; its count
// with no flags is shown too. pgBouncer's logs (which pgBadger also reads) are listed but not PostgreSQL logs.
// Prints file, pgBadger count, strangler count; saves bench/results/log-conformance.json.
import { execa } from 'execa';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectFile } from '../src/analyzers/logs/open-log.ts';
import { summarizeTraffic } from '../src/analyzers/logs/summarize-traffic.ts';
import { isStranglerError } from '../src/errors.ts';
import { findPgbadger, type Pgbadger } from './pgbadger.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const folder = process.env.PGBADGER_FIXTURES;
if (!folder) {
  process.stderr.write('set PGBADGER_FIXTURES to a folder of logs, e.g. t/fixtures of github:darold/pgbadger\n');
  process.exit(2);
}

/** The flags pgBadger's own tests run it with on these fixtures (it cannot tell their format by itself). */
const PGBADGER_FLAGS: Record<string, string[]> = {
  'anonymize.log': ['-f', 'csv'], // t/02_basics.t
  'weeknumber.log': ['-f', 'csv'], // t/02_basics.t
  'stmt_type.log': ['-f', 'stderr'], // t/02_basics.t
  'begin_end.log': ['-p', '%t [%p]: db=%d,user=%u,app=%a,client=%h '], // t/03_consistency.t
  'pg-timezones.log': ['-p', '%t:%h:%u@%d:[%p]:'], // t/03_consistency.t
  'pg_vacuums.log.gz': ['-f', 'stderr', '-p', '%t [%p]: [%l-1] user=%u,db=%d,host=%h,app=%a'], // t/03_consistency.t
  'pg_vacuums.json.gz': ['-f', 'jsonlog'], // t/03_consistency.t
  'postgresql_param_range.log': ['-f', 'stderr'], // t/04_advanced.t
  'pg_rawcsv.log': ['-p', '%m [%p] %q%u@%d '], // t/04_advanced.t
  'csv_statement_without_duration.log': ['-f', 'csv'], // t/07_csv_statement_duration.t
};

interface PgbadgerRun {
  queries?: number;
  /** pgBadger read it as a pgBouncer log. */
  pgbouncer?: boolean;
  error?: string;
}

async function runPgbadger(pgbadger: Pgbadger, file: string, flags: string[]): Promise<PgbadgerRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pgbadger-'));
  const out = path.join(dir, 'out.json');
  try {
    const r = await execa(pgbadger.command, [...pgbadger.args, '-q', '-j', '1', '-x', 'json', '-o', out, ...flags, file], { reject: false, timeout: 600_000 });
    if (r.exitCode !== 0) return { error: (r.stderr || r.stdout).trim().split('\n')[0]!.replace(/^FATAL: /, '') };
    const report = JSON.parse(await readFile(out, 'utf8')) as { overall_stat?: { queries_number?: number }; logs_type?: Record<string, unknown>; pgb_per_minute_info?: Record<string, unknown> };
    const pgbouncer = !report.logs_type?.postgres && Object.keys(report.pgb_per_minute_info ?? {}).length > 0;
    return { queries: report.overall_stat?.queries_number ?? 0, pgbouncer };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface StranglerRun {
  statements: number;
  format?: string;
  logLinePrefix?: string;
  warnings: string[];
}

async function runStrangler(file: string): Promise<StranglerRun> {
  try {
    const s = await summarizeTraffic({ files: [file] });
    return { statements: s.statements, format: s.files[0]?.format, logLinePrefix: s.files[0]?.logLinePrefix, warnings: s.warnings };
  } catch (e) {
    // A log with no statement at all (only connections, vacuums...) is an error for analyze: here it counts 0.
    if (isStranglerError(e) && /no SQL statements found/.test(e.message)) {
      const found = await detectFile(file, {});
      return { statements: 0, format: found.detected?.format, logLinePrefix: found.detected?.logLinePrefix, warnings: [e.message] };
    }
    throw e;
  }
}

const pgbadger = await findPgbadger();
if (!pgbadger) {
  process.stderr.write('pgBadger is needed for this benchmark\n');
  process.exit(3);
}
const files = (await readdir(folder)).sort();
const rows: {
  file: string;
  pgbadgerFlags: string[];
  pgbadger?: number;
  pgbadgerNoFlags?: number | string;
  strangler: number;
  stranglerFormat?: string;
  logLinePrefix?: string;
  equal: boolean;
  postgresLog: boolean;
}[] = [];
for (const name of files) {
  const file = path.join(folder, name);
  process.stderr.write(`${name}…\n`);
  const flags = PGBADGER_FLAGS[name] ?? [];
  const reference = await runPgbadger(pgbadger, file, flags);
  const noFlags = flags.length ? await runPgbadger(pgbadger, file, []) : reference;
  const ours = await runStrangler(file);
  rows.push({
    file: name,
    pgbadgerFlags: flags,
    pgbadger: reference.queries,
    pgbadgerNoFlags: noFlags.queries ?? (/unable to detect log file format/.test(noFlags.error ?? '') ? 'cannot detect the format' : `fails (${noFlags.error})`),
    strangler: ours.statements,
    stranglerFormat: ours.format,
    logLinePrefix: ours.logLinePrefix,
    equal: reference.queries === ours.statements,
    postgresLog: !reference.pgbouncer,
  });
}

const table = [
  ['file', 'pgBadger', 'strangler (no flags)', 'equal', 'strangler detected', 'pgBadger flags (from its tests)', 'pgBadger with no flags'],
  ...rows.map((r) => [
    r.file,
    r.pgbadger === undefined ? 'error' : String(r.pgbadger),
    String(r.strangler),
    r.postgresLog ? (r.equal ? 'yes' : 'NO') : 'pgBouncer log',
    r.stranglerFormat ? `${r.stranglerFormat}${r.logLinePrefix ? ` '${r.logLinePrefix}'` : ''}` : '-',
    r.pgbadgerFlags.map((f) => (f.includes(' ') || f.includes('%') ? `'${f}'` : f)).join(' ') || '(none)',
    String(r.pgbadgerNoFlags),
  ]),
];
const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
for (const r of table) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
const postgres = rows.filter((r) => r.postgresLog);
const equal = postgres.filter((r) => r.equal).length;
process.stdout.write(`\n${equal} of ${postgres.length} PostgreSQL logs give pgBadger's query count with auto-detection alone (pgBadger ${pgbadger.version}; ${rows.length - postgres.length} pgBouncer log(s) not counted)\n`);
await mkdir(path.join(root, 'bench/results'), { recursive: true });
await writeFile(
  path.join(root, 'bench/results/log-conformance.json'),
  `${JSON.stringify({ pgbadgerVersion: pgbadger.version, folder: path.basename(folder), equal, postgresLogs: postgres.length, rows }, null, 2)}\n`,
);
