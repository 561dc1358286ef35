// Log text is read in chunks that end anywhere: records, quoted newlines, CRLF line ends and multi-byte UTF-8
// characters split across chunks must read exactly as when whole.
import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { CsvScanner } from '../../../src/analyzers/logs/read-csv.ts';
import { readCsvlog } from '../../../src/analyzers/logs/read-csvlog.ts';
import { readJsonlog } from '../../../src/analyzers/logs/read-jsonlog.ts';
import { readPgStatStatements } from '../../../src/analyzers/logs/read-pg-stat-statements.ts';
import { stderrReader } from '../../../src/analyzers/logs/read-stderr-log.ts';
import { lineBatches, openText } from '../../../src/analyzers/logs/read-text.ts';
import type { Reader, ReaderStats } from '../../../src/analyzers/logs/reader-types.ts';
import { summarizeTraffic } from '../../../src/analyzers/logs/summarize-traffic.ts';
import type { LoggedStatement } from '../../../src/analyzers/types.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'log-chunks-'));
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const f = path.join(dir, name);
  await writeFile(f, content);
  return f;
}

async function read(reader: Reader, f: string, chunkBytes?: number) {
  const stats: ReaderStats = { skippedLines: 0, warnings: [] };
  const source = await openText(f, { chunkBytes });
  const out: LoggedStatement[] = [];
  for await (const batch of reader(source, f, stats)) {
    expect(batch.length).toBeGreaterThan(0);
    out.push(...batch);
  }
  return { out, stats, error: source.error(), bytes: source.bytes() };
}

/** What a test compares: the statement and where it came from. */
const view = (s: LoggedStatement) => ({ sql: s.sql, line: s.source.line, session: s.session, params: s.params });

const CHUNKS = [1, 2, 3, 5, 7, 13, 64, 1000, 1 << 20];

const csvRow = (message: string, { detail = '', session = '6b05.1a', eol = '\n' } = {}) =>
  `2026-01-02 03:04:05.678 UTC,"shop","db",101,"127.0.0.1:5000",${session},1,"SELECT",2026-01-02 03:04:05 UTC,5/2,0,LOG,00000,"${message.replace(/"/g, '""')}",${detail ? `"${detail.replace(/"/g, '""')}"` : ''},,,,,,,,"app","client backend",,0${eol}`;

describe('csvlog read in chunks of any size', () => {
  const content = [
    csvRow('statement: SELECT "a,b" FROM orders\nJOIN users ON true\nWHERE 1 = 1'),
    '\n',
    csvRow('execute <unnamed>: SELECT * FROM items WHERE name = $1 -- é 日本 😀', { detail: `Parameters: $1 = 'crème "brûlée"'`, session: '6b05.1b' }),
    csvRow('statement: UPDATE carts\r\nSET n = 1', { eol: '\r\n' }),
    csvRow('duration: 0.120 ms  statement: DELETE FROM carts'),
    csvRow('statement: SELECT 1 FROM "日本"'),
  ].join('');
  const expected = [
    { sql: 'SELECT "a,b" FROM orders\nJOIN users ON true\nWHERE 1 = 1', line: 1, session: '6b05.1a', params: undefined },
    { sql: 'SELECT * FROM items WHERE name = $1 -- é 日本 😀', line: 5, session: '6b05.1b', params: ['crème "brûlée"'] },
    { sql: 'UPDATE carts\nSET n = 1', line: 6, session: '6b05.1a', params: undefined },
    { sql: 'DELETE FROM carts', line: 8, session: '6b05.1a', params: undefined },
    { sql: 'SELECT 1 FROM "日本"', line: 9, session: '6b05.1a', params: undefined },
  ];

  it('gives the same records, lines and text at every chunk size, plain and gzip', async () => {
    const plain = await file('chunks.csv', content);
    const gz = await file('chunks.csv.gz', gzipSync(content));
    for (const chunkBytes of CHUNKS) {
      const { out, stats } = await read(readCsvlog, plain, chunkBytes);
      expect(out.map(view), `chunks of ${chunkBytes}`).toEqual(expected);
      expect(stats.skippedLines).toBe(0);
    }
    for (const chunkBytes of [64, 1 << 20]) expect((await read(readCsvlog, gz, chunkBytes)).out.map(view)).toEqual(expected);
  });

  it('reads CRLF files', async () => {
    const f = await file('crlf.csv', content.replace(/\r?\n/g, '\r\n'));
    for (const chunkBytes of CHUNKS) {
      const { out, stats } = await read(readCsvlog, f, chunkBytes);
      expect(out.map(view), `chunks of ${chunkBytes}`).toEqual(expected);
      expect(stats.skippedLines).toBe(0);
    }
  });

  it('reads a last record without its line end, and skips a last record cut inside quotes (counting its lines)', async () => {
    const complete = await file('no-eol.csv', `${content}${csvRow('statement: SELECT 2 FROM t', { eol: '' })}`);
    const last = csvRow('statement: SELECT 2\nFROM t');
    const cut = await file('cut.csv', `${content}${last.slice(0, last.indexOf('FROM t') + 2)}`);
    for (const chunkBytes of CHUNKS) {
      const a = await read(readCsvlog, complete, chunkBytes);
      expect(a.out.map((s) => s.sql).at(-1)).toBe('SELECT 2 FROM t');
      expect(a.stats.skippedLines).toBe(0);
      const b = await read(readCsvlog, cut, chunkBytes);
      expect(b.out.map(view)).toEqual(expected);
      expect(b.stats.skippedLines, `chunks of ${chunkBytes}`).toBe(2);
    }
  });

  it('turns invalid UTF-8 into U+FFFD, also when split across chunks', async () => {
    const [before, after] = csvRow("statement: SELECT 'x@' FROM t").split('@') as [string, string];
    const bytes = Buffer.concat([Buffer.from(before), Buffer.from([0xe6, 0x97]), Buffer.from(after), Buffer.from(csvRow('statement: SELECT 3 FROM u'))]);
    const f = await file('bad-utf8.csv', bytes);
    const whole = (await read(readCsvlog, f)).out.map(view);
    expect(whole.map((s) => s.sql)).toEqual(["SELECT 'x\uFFFD' FROM t", 'SELECT 3 FROM u']);
    for (const chunkBytes of CHUNKS) expect((await read(readCsvlog, f, chunkBytes)).out.map(view)).toEqual(whole);
  });

  it('reads irregular quoting leniently: a quote inside an unquoted field, text after a closing quote', async () => {
    const stats: ReaderStats = { skippedLines: 0, warnings: [] };
    const rows: string[][] = [];
    const text = 'a"b,c"d,"e"f,g\n"h""i",j""k\n';
    for (const size of [1, 3, text.length]) {
      rows.length = 0;
      const scanner = new CsvScanner(stats);
      for (let i = 0; i < text.length; i += size) scanner.push(text.slice(i, i + size), (f, n) => rows.push(f.slice(0, n)));
      scanner.end((f, n) => rows.push(f.slice(0, n)));
      expect(rows).toEqual([['ab,cd', 'ef', 'g'], ['h"i', 'jk']]);
    }
  });

  it('reads a 10 MB statement; skips a record over 64 MB, counting its lines, and reads on at the right line', async () => {
    const big = `INSERT INTO blobs (id, body) VALUES (1, '${'x'.repeat(10 * 1024 * 1024)}')`;
    const huge = `statement: INSERT INTO blobs VALUES ('${'y'.repeat(32 * 1024 * 1024)}\n"${'z'.repeat(32 * 1024 * 1024)}"\n')`;
    const f = await file('big.csv', [csvRow('statement: SELECT * FROM orders'), csvRow(`statement: ${big}`), csvRow(huge), csvRow('statement: SELECT * FROM users')].join(''));
    for (const chunkBytes of [64 * 1024, 1 << 20]) {
      const { out, stats } = await read(readCsvlog, f, chunkBytes);
      expect(out.map((s) => [s.sql.length, s.source.line])).toEqual([
        ['SELECT * FROM orders'.length, 1],
        [big.length, 2],
        ['SELECT * FROM users'.length, 6],
      ]);
      expect(stats.skippedLines).toBe(3);
    }
  });
});

describe('line readers in chunks', () => {
  it('stderr, jsonlog and pg_stat_statements read the same at every chunk size, with CRLF too', async () => {
    const stderr = [
      '2026-01-02 03:04:05.678 UTC [101] LOG:  statement: SELECT *',
      '\tFROM "日本"',
      '2026-01-02 03:04:05.679 UTC [101] LOG:  execute <unnamed>: select * from "users" where "id" = $1',
      "2026-01-02 03:04:05.679 UTC [101] DETAIL:  Parameters: $1 = 'é'",
      'garbage',
      '2026-01-02 03:04:05.680 UTC [102] LOG:  statement: DELETE FROM carts',
    ].join('\n');
    const jsonlog = [{ message: 'statement: SELECT * FROM "日本"' }, { message: 'statement: DELETE FROM carts' }]
      .map((r) => JSON.stringify({ error_severity: 'LOG', session_id: 's', ...r }))
      .join('\n');
    const pgssCsv = '\nqueryid,calls,query\n1,4,"SELECT *\nFROM ""日本"""\n2,2,UPDATE carts SET x = $1\n';
    const pgssJson = ' \n[{"query": "SELECT 1 FROM t", "calls": 3}]';
    const cases: [Reader, string][] = [
      [stderrReader('%m [%p] '), stderr],
      [readJsonlog, jsonlog],
      [readPgStatStatements, pgssCsv],
      [readPgStatStatements, pgssJson],
    ];
    for (const [i, [reader, text]] of cases.entries()) {
      for (const eol of ['\n', '\r\n']) {
        const f = await file(`lines-${i}.txt`, text.replace(/\n/g, eol));
        const whole = await read(reader, f);
        expect(whole.out.length).toBeGreaterThan(0);
        for (const chunkBytes of CHUNKS) {
          const r = await read(reader, f, chunkBytes);
          expect(r.out.map(view), `case ${i}, chunks of ${chunkBytes}`).toEqual(whole.out.map(view));
          expect(r.stats).toEqual(whole.stats);
        }
      }
    }
    const f = await file('stderr.log', stderr);
    expect((await read(stderrReader('%m [%p] '), f, 3)).out.map(view)).toEqual([
      { sql: 'SELECT *\nFROM "日本"', line: 1, session: 'pid:101', params: undefined },
      { sql: 'select * from "users" where "id" = $1', line: 3, session: 'pid:101', params: ['é'] },
      { sql: 'DELETE FROM carts', line: 6, session: 'pid:102', params: undefined },
    ]);
    const csv = await file('pgss.csv', pgssCsv);
    expect((await read(readPgStatStatements, csv, 2)).out.map((s) => [s.sql, s.calls, s.source.line])).toEqual([
      ['SELECT *\nFROM "日本"', 4, 3],
      ['UPDATE carts SET x = $1', 2, 5],
    ]);
  });

  it('gives lines in batches, joining a line split over many chunks', async () => {
    async function* chunks() {
      yield* ['ab', 'c\r', '\nd', 'ef', 'g', '\n\n', 'h\r\n', 'i'];
    }
    const lines: string[] = [];
    for await (const batch of lineBatches(chunks())) lines.push(...batch);
    expect(lines).toEqual(['abc', 'defg', '', 'h', 'i']);
  });
});

describe('reading the file', () => {
  it('counts bytes read (compressed for gzip) and reports a truncated gzip file after reading what came before', async () => {
    const text = Array.from({ length: 2000 }, (_, i) => csvRow(`statement: SELECT ${i} FROM orders`)).join('');
    const plain = await file('bytes.csv', text);
    const whole = gzipSync(text);
    const gz = await file('bytes.csv.gz', whole);
    const a = await read(readCsvlog, plain, 4096);
    expect(a.bytes).toBe((await stat(plain)).size);
    expect(a.out).toHaveLength(2000);
    const b = await read(readCsvlog, gz, 4096);
    expect(b.bytes).toBe(whole.length);
    expect(b.out).toHaveLength(2000);
    expect(b.error).toBeUndefined();

    const truncated = await file('truncated.csv.gz', whole.subarray(0, Math.floor(whole.length / 2)));
    const c = await read(readCsvlog, truncated, 4096);
    expect(c.error?.message).toMatch(/unexpected end of file/);
    expect(c.out.length).toBeGreaterThan(100);
    expect(c.out.length).toBeLessThan(2000);
    expect(c.out.map((s) => s.sql)).toEqual(Array.from({ length: c.out.length }, (_, i) => `SELECT ${i} FROM orders`));
    const summary = await summarizeTraffic({ files: [truncated] });
    expect(summary.statements).toBe(c.out.length);
    expect(summary.warnings).toContainEqual(expect.stringMatching(/truncated\.csv\.gz: stopped early \(unexpected end of file\); read what came before/));
  });

  it('stops reading when the reader stops early', async () => {
    const f = await file('early.csv', Array.from({ length: 5000 }, () => csvRow('statement: SELECT 1')).join(''));
    const source = await openText(f, { chunkBytes: 1024 });
    for await (const chunk of source.chunks) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    expect(source.bytes()).toBeLessThan((await stat(f)).size);
  });
});
