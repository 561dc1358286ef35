/** pg_stat_statements exports: CSV with a header, a JSON array, or JSON lines; each row weighs `calls`. */
import type { LoggedStatement } from '../types.ts';
import { csvRecords } from './read-csvlog.ts';
import type { LineSource } from './read-lines.ts';
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

export async function* readPgStatStatements(source: LineSource, file: string, stats: ReaderStats): AsyncGenerator<LoggedStatement> {
  const it = source.lines[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const head = first.value.trimStart();
  const rest = { [Symbol.asyncIterator]: () => it };
  if (head.startsWith('[')) {
    // A JSON array: pg_stat_statements exports are small (one row per statement shape), read it whole.
    let text = first.value;
    for await (const line of rest) text += `\n${line}`;
    let rows: unknown;
    try {
      rows = JSON.parse(text);
    } catch (e) {
      stats.warnings.push(`${file}: not valid JSON (${(e as Error).message}); nothing read`);
      return;
    }
    if (!Array.isArray(rows)) return;
    let i = 0;
    for (const row of rows) {
      i++;
      const st = row && typeof row === 'object' ? statement(row as Record<string, unknown>, file, i, stats) : undefined;
      if (st) yield st;
    }
    return;
  }
  if (head.startsWith('{')) {
    let lineNo = 0;
    for (const line of [first.value]) {
      lineNo++;
      const st = parseLine(line, file, lineNo, stats);
      if (st) yield st;
    }
    for await (const line of rest) {
      lineNo++;
      const st = parseLine(line, file, lineNo, stats);
      if (st) yield st;
    }
    return;
  }
  // CSV with a header naming the columns.
  const header = first.value.split(',').map((h) => h.trim().replace(/^"|"$/g, '').toLowerCase());
  for await (const { fields, line } of csvRecords(rest, stats)) {
    const row = Object.fromEntries(header.map((h, i) => [h, fields[i]]));
    const st = statement(row, file, line + 1, stats);
    if (st) yield st;
  }
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
