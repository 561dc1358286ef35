/** pg_stat_statements exports: CSV with a header, a JSON array, or JSON lines; each row weighs `calls`. */
import type { LoggedStatement } from '../types.ts';
import { csvBatches, CsvScanner } from './read-csv.ts';
import { lineBatches, type TextSource } from './read-text.ts';
import type { ReaderStats } from './reader-types.ts';

function statement(row: Record<string, unknown>, file: string, line: number, stats: ReaderStats): LoggedStatement | undefined {
  const query = row.query;
  const calls = Number(row.calls);
  if (typeof query !== 'string' || !query.trim() || !Number.isFinite(calls) || calls < 0) {
    stats.skippedLines++;
    return undefined;
  }
  if (calls === 0) return undefined;
  return { sql: query, calls, user: row.username ? String(row.username) : undefined, database: row.dbname ? String(row.dbname) : undefined, source: { file, line } };
}

export async function* readPgStatStatements(source: TextSource, file: string, stats: ReaderStats): AsyncGenerator<LoggedStatement[]> {
  // The first text that is not blank tells a JSON array, JSON lines and CSV apart.
  const it = source.chunks[Symbol.asyncIterator]();
  const seen: string[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    seen.push(r.value);
    if (r.value.trim() !== '') break;
  }
  const head = seen.join('').trimStart();
  if (!head) return;
  const chunks = (async function* () {
    try {
      yield* seen;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    } finally {
      await it.return?.();
    }
  })();
  if (head.startsWith('[')) {
    // A JSON array: pg_stat_statements exports are small (one row per statement shape), read it whole.
    const parts: string[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    let rows: unknown;
    try {
      rows = JSON.parse(parts.join(''));
    } catch (e) {
      stats.warnings.push(`${file}: not valid JSON (${(e as Error).message}); nothing read`);
      return;
    }
    if (!Array.isArray(rows)) return;
    const batch: LoggedStatement[] = [];
    let i = 0;
    for (const row of rows) {
      i++;
      const st = row && typeof row === 'object' ? statement(row as Record<string, unknown>, file, i, stats) : undefined;
      if (st) batch.push(st);
    }
    if (batch.length > 0) yield batch;
    return;
  }
  if (head.startsWith('{')) {
    let lineNo = 0;
    for await (const lines of lineBatches(chunks)) {
      const batch: LoggedStatement[] = [];
      for (const line of lines) {
        lineNo++;
        const st = parseLine(line, file, lineNo, stats);
        if (st) batch.push(st);
      }
      if (batch.length > 0) yield batch;
    }
    return;
  }
  // CSV with a header naming the columns.
  let header: string[] | undefined;
  yield* csvBatches<LoggedStatement>(chunks, new CsvScanner(stats), (fields, count, line) => {
    if (!header) {
      header = fields.slice(0, count).map((h) => h.trim().toLowerCase());
      return undefined;
    }
    const row: Record<string, unknown> = Object.create(null);
    for (let i = 0; i < header.length; i++) row[header[i]!] = i < count ? fields[i] : undefined;
    return statement(row, file, line, stats);
  });
}

function parseLine(line: string, file: string, lineNo: number, stats: ReaderStats): LoggedStatement | undefined {
  if (!line.trim()) return undefined;
  try {
    return statement(JSON.parse(line) as Record<string, unknown>, file, lineNo, stats);
  } catch {
    stats.skippedLines++;
    return undefined;
  }
}
