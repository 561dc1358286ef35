import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { summarizeTraffic } from '../../../src/analyzers/logs/summarize-traffic.ts';
import { openText } from '../../../src/analyzers/logs/read-text.ts';
import { stderrReader } from '../../../src/analyzers/logs/read-stderr-log.ts';
import { readCsvlog } from '../../../src/analyzers/logs/read-csvlog.ts';
import { readJsonlog } from '../../../src/analyzers/logs/read-jsonlog.ts';
import { readPgStatStatements } from '../../../src/analyzers/logs/read-pg-stat-statements.ts';
import type { LoggedStatement } from '../../../src/analyzers/types.ts';
import { UsageError } from '../../../src/errors.ts';
import { statementOf } from '../../../src/analyzers/logs/statement-message.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'logs-'));
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const f = path.join(dir, name);
  await writeFile(f, content);
  return f;
}

async function collect(reader: ReturnType<typeof stderrReader>, f: string, chunkBytes?: number) {
  const stats = { skippedLines: 0, warnings: [] as string[] };
  const out: LoggedStatement[] = [];
  for await (const batch of reader(await openText(f, { chunkBytes }), f, stats)) {
    expect(batch.length).toBeGreaterThan(0);
    out.push(...batch);
  }
  return { out, stats };
}

describe('stderr logs', () => {
  it('reads multi-line statements, execute lines with their parameters, and durations, under a rich prefix', async () => {
    const prefix = '%m [%p] %q%u@%d/%a %c %x ';
    const f = await file('a.log', [
      '2026-01-02 03:04:05.678 UTC [101] shop@db/app 6b05.1a 0 LOG:  statement: SELECT *',
      '\tFROM orders',
      '\tWHERE id = 1',
      '2026-01-02 03:04:05.679 UTC [101] shop@db/app 6b05.1a 0 LOG:  execute <unnamed>: select * from "users" where "id" = $1',
      "2026-01-02 03:04:05.679 UTC [101] shop@db/app 6b05.1a 0 DETAIL:  Parameters: $1 = '5', $2 = NULL, $3 = 'it''s'",
      '2026-01-02 03:04:05.680 UTC [102] shop@db/app 6b05.1b 731 LOG:  duration: 0.120 ms  statement: DELETE FROM carts',
      '2026-01-02 03:04:05.681 UTC [102] shop@db/app 6b05.1b 0 LOG:  duration: 0.050 ms  parse <unnamed>: select 1',
      '2026-01-02 03:04:05.682 UTC [55] LOG:  checkpoint starting: time',
      'garbage that is not a log line',
      '',
    ].join('\n'));
    const { out, stats } = await collect(stderrReader(prefix), f);
    expect(out.map((s) => s.sql)).toEqual(['SELECT *\nFROM orders\nWHERE id = 1', 'select * from "users" where "id" = $1', 'DELETE FROM carts']);
    expect(out[0]).toMatchObject({ session: '6b05.1a', user: 'shop', database: 'db', application: 'app', calls: 1, source: { file: f, line: 1 } });
    expect(out[1]!.params).toEqual(['5', 'NULL', "it's"]);
    expect(out[2]).toMatchObject({ durationMs: 0.12, xid: '731' });
    expect(stats.skippedLines).toBe(1);
  });
});

describe('statement messages', () => {
  it('finds the SQL in statement, execute and duration messages, not in parse, bind or duration-only ones', () => {
    expect(statementOf('statement: SELECT 1')).toEqual({ sql: 'SELECT 1', durationMs: undefined });
    expect(statementOf('execute <unnamed>: SELECT $1: x')).toEqual({ sql: 'SELECT $1: x', durationMs: undefined });
    expect(statementOf('execute S_1/C_2: SELECT 2')).toEqual({ sql: 'SELECT 2', durationMs: undefined });
    expect(statementOf('execute fetch from c1: SELECT 3')).toEqual({ sql: 'SELECT 3', durationMs: undefined });
    expect(statementOf('duration: 0.120 ms  statement: SELECT 4')).toEqual({ sql: 'SELECT 4', durationMs: 0.12 });
    expect(statementOf('duration: 1.5 ms  execute <unnamed>: SELECT 5')).toEqual({ sql: 'SELECT 5', durationMs: 1.5 });
    expect(statementOf('statement: ')).toEqual({ sql: '', durationMs: undefined });
    for (const m of ['duration: 0.050 ms', 'duration: 0.050 ms  parse <unnamed>: select 1', 'bind S_1: select 1', 'checkpoint starting: time', 'statement:SELECT 1']) {
      expect(statementOf(m)).toBeUndefined();
    }
  });
});

describe('csvlog', () => {
  it('reads quoted newlines and doubled quotes, and parameters from the detail column', async () => {
    const row = (msg: string, detail = '') => `2026-01-02 03:04:05.678 UTC,"shop","db",101,"127.0.0.1:5000",6b05.1a,1,"SELECT",2026-01-02 03:04:05 UTC,5/2,0,LOG,00000,"${msg}","${detail}",,,,,,,,"app","client backend",,0`;
    const f = await file('a.csv', [
      row('statement: SELECT ""a,b"" FROM orders\nJOIN users ON true'),
      row('execute <unnamed>: select * from items where id = $1', "Parameters: $1 = '7'"),
      '2026-01-02 03:04:05.678 UTC,"shop","db",101,"127.0.0.1:5000",6b05.1a,1,"SELECT",2026-01-02 03:04:05 UTC,5/2,0,LOG,00000,"statement: select 1 from tru',
    ].join('\n'));
    const { out, stats } = await collect(readCsvlog, f);
    expect(out.map((s) => s.sql)).toEqual(['SELECT "a,b" FROM orders\nJOIN users ON true', 'select * from items where id = $1']);
    expect(out[1]!.params).toEqual(['7']);
    expect(out[0]).toMatchObject({ session: '6b05.1a', application: 'app', database: 'db' });
    expect(stats.skippedLines).toBe(1); // the truncated last record
  });
});

describe('jsonlog and pg_stat_statements', () => {
  it('reads jsonlog and skips lines that are not JSON', async () => {
    const f = await file('a.json', `${JSON.stringify({ timestamp: 't', user: 'u', dbname: 'd', pid: 9, session_id: 's1', txid: 0, error_severity: 'LOG', message: 'statement: SELECT * FROM orders', application_name: 'a' })}\n{broken\n`);
    const { out, stats } = await collect(readJsonlog, f);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ sql: 'SELECT * FROM orders', session: 's1', xid: undefined, calls: 1 });
    expect(stats.skippedLines).toBe(1);
  });

  it('weighs pg_stat_statements rows by calls (CSV and JSON)', async () => {
    const csv = await file('pgss.csv', 'queryid,calls,query\n1,40,"SELECT * FROM orders WHERE id = $1"\n2,2,"UPDATE carts SET x = $1"\n3,0,"SELECT 1"\n');
    const { out } = await collect(readPgStatStatements, csv);
    expect(out.map((s) => [s.sql, s.calls])).toEqual([['SELECT * FROM orders WHERE id = $1', 40], ['UPDATE carts SET x = $1', 2]]);
    const json = await file('pgss.json', JSON.stringify([{ query: 'SELECT * FROM users', calls: 3 }]));
    const summary = await summarizeTraffic({ files: [json] });
    expect(summary.files[0]).toMatchObject({ format: 'pg_stat_statements', statements: 3 });
    expect(summary.shapes[0]!.count).toBe(3);
  });
});

describe('summarizeTraffic', () => {
  it('groups transactions per session and requests per route tag; gzip is read transparently', async () => {
    const lines = [
      ['s1', 'BEGIN'],
      ['s2', "SELECT * FROM products /*route='GET%20%2Fproducts'*/"],
      ['s1', "INSERT INTO orders VALUES (1) /*route='POST%20%2Fcheckout'*/"],
      ['s1', "UPDATE stock_levels SET on_hand = 1 /*route='POST%20%2Fcheckout'*/"],
      ['s1', 'COMMIT'],
      ['s2', "SELECT * FROM categories /*route='GET%20%2Fproducts'*/"],
    ].map(([s, sql], i) => JSON.stringify({ timestamp: `t${i}`, session_id: s, error_severity: 'LOG', message: `statement: ${sql}` }));
    const f = await file('tx.json.gz', gzipSync(`${lines.join('\n')}\n`));
    const summary = await summarizeTraffic({ files: [f] });
    expect(summary.files).toEqual([{ file: f, format: 'jsonlog', statements: 6 }]);
    expect(summary.transactions).toEqual(
      expect.arrayContaining([{ tables: ['orders', 'stock_levels'], written: ['orders', 'stock_levels'], count: 1 }]),
    );
    expect(summary.requests).toEqual([
      { route: 'GET /products', module: undefined, tables: ['categories', 'products'], written: [], count: 1 },
      { route: 'POST /checkout', module: undefined, tables: ['orders', 'stock_levels'], written: ['orders', 'stock_levels'], count: 1 },
    ]);
    expect(summary.shapes.find((s) => s.access.tables.includes('orders'))!.routes).toEqual({ 'POST /checkout': 1 });
  });

  it('counts unparsable statements with examples, never fatal', async () => {
    const f = await file('bad-sql.json', `${[ 'SELECT * FROM orders', 'SELEKT nonsense', 'SELECT * FROM users'].map((sql) => JSON.stringify({ error_severity: 'LOG', message: `statement: ${sql}`, session_id: 'x' })).join('\n')}\n`);
    const summary = await summarizeTraffic({ files: [f] });
    expect(summary.unparsed.count).toBe(1);
    expect(summary.unparsed.examples[0]).toMatchObject({ sql: 'SELEKT nonsense', source: { file: f, line: 2 } });
    expect(summary.shapes).toHaveLength(2);
  });

  it('explains unknown formats and empty inputs with exit 2', async () => {
    const unknown = await file('notes.txt', 'hello\nworld\n');
    const empty = await file('empty.log', '');
    for (const files of [[unknown], [empty], [path.join(dir, 'missing.log')]]) {
      const e = await summarizeTraffic({ files }).then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(UsageError);
      expect((e as UsageError).exitCode).toBe(2);
      // A missing file is named as such; the others say what is understood.
      expect((e as UsageError).hint).toContain(files[0]!.endsWith('missing.log') ? 'every file named must exist' : 'understood: PostgreSQL stderr');
    }
    const mixed = await summarizeTraffic({ files: [unknown, await file('ok.json', `${JSON.stringify({ error_severity: 'LOG', message: 'statement: SELECT * FROM orders' })}\n`)] });
    expect(mixed.warnings[0]).toMatch(/notes\.txt: unknown log format, skipped \(understood: /);
  });

  it('reads a 10 MB statement and invalid UTF-8 without losing the statements around them', async () => {
    const big = `INSERT INTO blobs (id, body) VALUES (1, '${'x'.repeat(10 * 1024 * 1024)}')`;
    const lines = [
      '2026-01-02 03:04:05.678 UTC [1] LOG:  statement: SELECT * FROM orders',
      `2026-01-02 03:04:05.679 UTC [1] LOG:  statement: ${big}`,
      '2026-01-02 03:04:05.680 UTC [1] LOG:  statement: SELECT * FROM users WHERE name = \'',
    ];
    const f = await file('big.log', Buffer.concat([Buffer.from(`${lines.join('\n')}\n`), Buffer.from([0xff, 0xfe, 0x0a]), Buffer.from('2026-01-02 03:04:05.681 UTC [1] LOG:  statement: DELETE FROM carts\n')]));
    const s = await summarizeTraffic({ files: [f] });
    const tables = s.shapes.flatMap((x) => x.access.tables).sort();
    expect(tables).toEqual(['blobs', 'carts', 'orders']);
    expect(s.statements).toBe(4);
    expect(s.unparsed.count).toBe(1);
  });

  it('survives random bytes in every format (seeded fuzz)', async () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const headers = ['', '2026-01-02 03:04:05.678 UTC [1] LOG:  statement: SELECT * FROM orders\n', '{"error_severity":"LOG","message":"statement: SELECT 1 FROM t"}\n', 'query,calls\n"SELECT * FROM a",2\n', '2026-01-02 03:04:05.678 UTC,"u","d",1,"h",s,1,"",t,1/1,0,LOG,00000,"statement: SELECT * FROM b",,,,,,,,,"a","client backend",,0\n'];
    for (let i = 0; i < 200; i++) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 600) }, () => Math.floor(rand() * 256)));
      const f = await file(`fuzz-${i}`, Buffer.concat([Buffer.from(headers[i % headers.length]!), bytes, rand() < 0.3 ? gzipSync(bytes) : Buffer.alloc(0)]));
      try {
        const summary = await summarizeTraffic({ files: [f] });
        // What was read is consistent: every shape's executions are counted among the statements.
        expect(summary.statements).toBeGreaterThanOrEqual(summary.shapes.reduce((n, s) => n + s.count, 0));
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
      }
    }
  });
});

describe('transactions without BEGIN in the log', () => {
  const csv = (session: string, vxid: string, xid: string, sql: string) =>
    `2026-01-02 03:04:05.678 UTC,"shop","db",101,"127.0.0.1:5000",${session},1,"INSERT",2026-01-02 03:00:00 UTC,${vxid},${xid},LOG,00000,"statement: ${sql}",,,,,,,,,"app","client backend",,0`;
  const tx = async (f: string, logLinePrefix?: string) =>
    (await summarizeTraffic({ files: [f], logLinePrefix })).transactions.map((t) => `${t.tables.join('+')}${t.written.length ? ` w:${t.written.join('+')}` : ''} x${t.count}`).sort();

  it('groups the statements of a session that share a virtual transaction id (csvlog), interleaved with other sessions', async () => {
    const f = await file('vxid.csv', [
      csv('s1', '3/10', '900', 'INSERT INTO orders (id) VALUES (1)'),
      csv('s2', '4/5', '901', 'UPDATE stock_levels SET n = n - 1'),
      csv('s1', '3/10', '900', 'INSERT INTO order_items (order_id) VALUES (1)'),
      csv('s2', '4/6', '0', 'SELECT * FROM stock_levels'),
      csv('s1', '3/11', '0', 'SELECT * FROM products'),
      csv('s1', '3/12', '0', 'SELECT * FROM products'),
      '',
    ].join('\n'));
    // Transactions are counted by the tables they touch (written: any of them written).
    expect(await tx(f)).toEqual(['order_items+orders w:order_items+orders x1', 'products x2', 'stock_levels w:stock_levels x2']);
  });

  it('falls back to the transaction id (%x) in stderr logs: writes of one transaction go together, reads stay alone', async () => {
    const prefix = '%m [%p] %c %x ';
    const line = (xid: string, sql: string) => `2026-01-02 03:04:05.678 UTC [101] 6b05.1a ${xid} LOG:  statement: ${sql}`;
    const f = await file('xid.log', [
      line('0', 'SELECT * FROM carts'),
      line('731', 'DELETE FROM cart_items'),
      line('731', 'INSERT INTO orders (id) VALUES (2)'),
      line('0', 'SELECT * FROM carts'),
      '',
    ].join('\n'));
    expect(await tx(f, prefix)).toEqual(['cart_items+orders w:cart_items+orders x1', 'carts x2']);
  });

  it('BEGIN..COMMIT still decides where it is logged', async () => {
    const f = await file('begin.csv', [
      csv('s1', '3/20', '0', 'BEGIN'),
      csv('s1', '3/20', '0', 'SELECT * FROM carts'),
      csv('s1', '3/20', '950', 'INSERT INTO orders (id) VALUES (3)'),
      csv('s1', '3/20', '950', 'COMMIT'),
      csv('s1', '3/21', '0', 'SELECT * FROM carts'),
      '',
    ].join('\n'));
    expect(await tx(f)).toEqual(['carts x1', 'carts+orders w:orders x1']);
  });
});
