// npm run bench:parity [-- --rows N] [--repeat R]   (R interleaved runs of each measurement, the median is reported)
// Two databases with an N-row table (default 10M). Times strangler's data parity (range checksums + bisection)
// to confirm equality and to find 10 scattered differences, against two peers on the same data in the same run:
// a full fetch (both sides streamed in key order with COPY and compared in Node) and whole-table hashing
// (count + sum of row hashes, as pgcopydb compare does; it can say "different" but not where).
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { compareTables } from '../src/parity/data-parity.ts';
import { startPostgres } from '../test/harness/postgres-server.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const rows = Number(arg('rows', '10000000'));
const repeat = Math.max(1, Number(arg('repeat', '1')));

function urlFor(base: string, db: string): string {
  const u = new URL(base);
  u.pathname = `/${db}`;
  return u.toString();
}

async function run(url: string, sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

interface Timed<T> {
  seconds: number;
  value: T;
  runs: number[];
}

/**
 * Median of `repeat` runs of each contender. The rounds are interleaved (every contender once per round) so that
 * a busy spell on the shared machine weighs on every contender and both tasks alike.
 */
async function timeInterleaved<T extends unknown[]>(fns: { [K in keyof T]: () => Promise<T[K]> }): Promise<{ [K in keyof T]: Timed<T[K]> }> {
  const out = fns.map(() => ({ runs: [] as number[], value: undefined as unknown }));
  for (let i = 0; i < repeat; i++) {
    for (const [k, fn] of (fns as (() => Promise<unknown>)[]).entries()) {
      const start = process.hrtime.bigint();
      out[k]!.value = await fn();
      out[k]!.runs.push(Number(process.hrtime.bigint() - start) / 1e9);
    }
  }
  const median = (runs: number[]) => [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
  return out.map((o) => ({ seconds: median(o.runs), value: o.value, runs: o.runs })) as { [K in keyof T]: Timed<T[K]> };
}

/** Peer 1: stream both tables in key order and compare every row in Node. */
async function fullFetch(source: string, target: string): Promise<number> {
  const open = async (url: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const stream = c.query(copyStreams.to(`COPY (SELECT * FROM items ORDER BY id) TO STDOUT`));
    return { c, lines: createInterface({ input: stream, crlfDelay: Infinity })[Symbol.asyncIterator]() };
  };
  const [a, b] = await Promise.all([open(source), open(target)]);
  let differences = 0;
  for (;;) {
    const [x, y] = await Promise.all([a.lines.next(), b.lines.next()]);
    if (x.done && y.done) break;
    if (x.done || y.done) {
      differences++;
      continue;
    }
    const ka = Number(x.value.slice(0, x.value.indexOf('\t')));
    const kb = Number(y.value.slice(0, y.value.indexOf('\t')));
    if (ka !== kb || x.value !== y.value) differences++;
  }
  await Promise.all([a.c.end(), b.c.end()]);
  return differences;
}

/** Peer 2: count + sum of row hashes over the whole table on each side. */
async function wholeTableHash(source: string, target: string): Promise<boolean> {
  const q = `SELECT count(*) AS n, sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint)::text AS h FROM items t`;
  const [a, b] = await Promise.all([run(source, q), run(target, q)]);
  return a.rows[0].n === b.rows[0].n && a.rows[0].h === b.rows[0].h;
}

const server = await startPostgres({ DATABASE_URL: process.env.BENCH_DATABASE_URL });
try {
  const admin = server.adminUrl;
  const [source, target] = [urlFor(admin, 'bench_parity_source'), urlFor(admin, 'bench_parity_target')];
  process.stderr.write(`generating ${rows.toLocaleString()} rows in two databases (${server.source})…\n`);
  for (const url of [source, target]) {
    const name = new URL(url).pathname.slice(1);
    await run(admin, `DROP DATABASE IF EXISTS ${name}`);
    await run(admin, `CREATE DATABASE ${name}`);
    await run(url, `CREATE TABLE items AS
      SELECT g::bigint AS id, 'item ' || g AS name, (g % 100000) / 100.0 AS price,
             timestamptz '2024-01-01' + g * interval '1 second' AS updated_at, jsonb_build_object('n', g % 97) AS attrs
      FROM generate_series(1, ${rows}) g`);
    await run(url, `ALTER TABLE items ADD PRIMARY KEY (id)`);
    await run(url, `VACUUM ANALYZE items`);
  }

  // The task "find 10 differences" runs against a copy of the target with 10 scattered rows changed, so that both
  // tasks can be measured in the same interleaved rounds.
  const changed = urlFor(admin, 'bench_parity_changed');
  await run(admin, `DROP DATABASE IF EXISTS bench_parity_changed`);
  await run(admin, `CREATE DATABASE bench_parity_changed TEMPLATE bench_parity_target`);
  const ids = Array.from({ length: 10 }, (_, i) => Math.floor(((i + 0.5) * rows) / 10));
  await run(changed, `UPDATE items SET name = name || ' (changed)' WHERE id IN (${ids.join(',')})`);

  // Same starting point for every contender: dirty pages written out (no checkpoint competing with the first
  // measurement) and each table read once, so no one pays for a cold page cache.
  for (const url of [source, target, changed]) {
    await run(url, 'CHECKPOINT');
    await run(url, 'SELECT count(*) FROM items');
  }

  const [equal, diff, hashEqual, hashDiff, fetchEqual, fetchDiff] = await timeInterleaved([
    () => compareTables({ source, target, tables: ['items'] }),
    () => compareTables({ source, target: changed, tables: ['items'] }),
    () => wholeTableHash(source, target),
    () => wholeTableHash(source, changed),
    () => fullFetch(source, target),
    () => fullFetch(source, changed),
  ]);

  if (!equal.value.equal || !hashEqual.value || fetchEqual.value !== 0) throw new Error('a contender found differences in equal tables');
  const found = diff.value.tables[0]!.changed;
  const located = diff.value.tables[0]!.differences.map((d) => Number(d.key.id));
  if (located.join(',') !== ids.join(',')) throw new Error(`strangler located ${located.join(',')}, expected ${ids.join(',')}`);
  const table = [
    ['task', 'strangler (s)', 'full fetch (s)', 'whole-table hash (s)', 'vs full fetch', 'vs hash'],
    ['confirm equality', equal.seconds, fetchEqual.seconds, hashEqual.seconds],
    ['find 10 differences', diff.seconds, fetchDiff.seconds, hashDiff.seconds],
  ].map((r, i) => (i === 0 ? r : [...r, `${((r[2] as number) / (r[1] as number)).toFixed(1)}x faster`, `${((r[3] as number) / (r[1] as number)).toFixed(2)}x`]));
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => String(typeof r[c] === 'number' ? (r[c] as number).toFixed(2) : r[c]).length)));
  for (const r of table) process.stdout.write(`${r.map((v, c) => String(typeof v === 'number' ? v.toFixed(2) : v).padEnd(widths[c]!)).join('  ')}\n`);
  process.stdout.write(
    `rows: ${rows.toLocaleString()}; strangler found ${found}/10 differences (located by key, ${diff.value.tables[0]!.stats.rowsFetched} rows fetched); ` +
      `full fetch counted ${fetchDiff.value}; whole-table hash says ${hashDiff.value ? 'equal' : 'different'} (no location)\n` +
      `differences / equality time: ${(diff.seconds / equal.seconds).toFixed(2)}x\n`,
  );
  await mkdir('bench/results', { recursive: true });
  await writeFile(
    'bench/results/parity.json',
    `${JSON.stringify(
      {
        rows,
        repeat,
        postgres: server.source,
        runs: { stranglerEqual: equal.runs, stranglerDifferences: diff.runs, fullFetchEqual: fetchEqual.runs, fullFetchDifferences: fetchDiff.runs, hashEqual: hashEqual.runs, hashDifferences: hashDiff.runs },
        strangler: { equalSeconds: equal.seconds, differencesSeconds: diff.seconds, differencesFound: found, rowsFetched: diff.value.tables[0]!.stats.rowsFetched, checksumQueries: diff.value.tables[0]!.stats.checksumQueries },
        fullFetch: { equalSeconds: fetchEqual.seconds, differencesSeconds: fetchDiff.seconds, differencesFound: fetchDiff.value },
        wholeTableHash: { equalSeconds: hashEqual.seconds, differencesSeconds: hashDiff.seconds },
        ratios: {
          fullFetchOverStranglerEqual: fetchEqual.seconds / equal.seconds,
          fullFetchOverStranglerDifferences: fetchDiff.seconds / diff.seconds,
          hashOverStranglerEqual: hashEqual.seconds / equal.seconds,
          differencesOverEqual: diff.seconds / equal.seconds,
        },
      },
      null,
      2,
    )}\n`,
  );
  for (const url of [source, target, changed]) await run(admin, `DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)}`);
} finally {
  await server.stop();
}
