// npm run bench:analyze [-- --statements N]
// Generates a csvlog of N statements (default 5M) from the statement shapes of the sample monolith's recording
// (sessions, transactions, multi-line statements, prepared-statement parameters), then times strangler's log
// summary (one process, one core: statements/s and peak RSS, at N/4 and N to show RSS does not grow with the
// log) and pgBadger (`-j 1`) on the same file in the same run, and prints the ratio.
import { execa } from 'execa';
import { createWriteStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarizeTraffic } from '../src/analyzers/logs/summarize-traffic.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const total = Number(arg('statements', '5000000'));
const work = path.join(root, 'bench/.work');
await mkdir(work, { recursive: true });

// Shapes (with their relative frequencies) from the committed recording.
const recorded = await summarizeTraffic({ files: [path.join(root, 'fixtures/sample-monolith/logs/comments-off/postgresql.csv.gz')] });
const shapes = recorded.shapes.map((s) => ({ sql: s.example, weight: s.count }));
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
const hasPgbadger = (await execa('sh', ['-c', 'command -v pgbadger'], { reject: false })).exitCode === 0;
if (hasPgbadger) {
  const start = process.hrtime.bigint();
  await execa('pgbadger', ['-f', 'csv', '-j', '1', '-q', '-o', path.join(work, 'pgbadger.html'), big]);
  pgbadger = { seconds: Number(process.hrtime.bigint() - start) / 1e9 };
} else {
  process.stderr.write('pgbadger is not installed (Debian: apt-get install pgbadger): its column stays empty\n');
}
const rate = (x: { statements: number; seconds: number }) => Math.round(x.statements / x.seconds);
const rows = [
  ['input', 'size (MB)', 'strangler (s)', 'statements/s', 'peak RSS (MB)', 'pgBadger -j 1 (s)', 'pgBadger / strangler'],
  [`${(total / 4).toLocaleString()} statements`, (await mb(small)).toFixed(0), s1.seconds.toFixed(1), rate(s1).toLocaleString(), s1.maxRssMB.toFixed(0), '', ''],
  [`${total.toLocaleString()} statements`, (await mb(big)).toFixed(0), s2.seconds.toFixed(1), rate(s2).toLocaleString(), s2.maxRssMB.toFixed(0), pgbadger ? pgbadger.seconds.toFixed(1) : 'n/a', pgbadger ? `${(pgbadger.seconds / s2.seconds).toFixed(1)}x` : 'n/a'],
];
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
for (const r of rows) process.stdout.write(`${r.map((c, i) => String(c).padEnd(widths[i]!)).join('  ')}\n`);
await mkdir(path.join(root, 'bench/results'), { recursive: true });
await writeFile(
  path.join(root, 'bench/results/analyze.json'),
  `${JSON.stringify({ statements: total, small: s1, big: s2, pgbadger, ratio: pgbadger ? pgbadger.seconds / s2.seconds : null }, null, 2)}\n`,
);
