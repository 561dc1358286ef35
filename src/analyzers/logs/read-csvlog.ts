/** PostgreSQL csvlog: RFC 4180 records (quoted newlines, doubled quotes), one log entry per record. */
import type { LoggedStatement } from '../types.ts';
import type { LineSource } from './read-lines.ts';
import type { ReaderStats } from './reader-types.ts';
import { parametersOf, statementOf } from './statement-message.ts';

/** Splits CSV text into records, carrying quoted fields across lines. */
export async function* csvRecords(lines: AsyncIterable<string>, stats: ReaderStats): AsyncGenerator<{ fields: string[]; line: number }> {
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let startLine = 0;
  let lineNo = 0;
  const MAX_RECORD = 64 * 1024 * 1024;
  let size = 0;
  for await (const line of lines) {
    lineNo++;
    if (!quoted) {
      if (line === '') continue;
      startLine = lineNo;
      size = 0;
    } else {
      field += '\n';
    }
    size += line.length;
    if (size > MAX_RECORD) {
      stats.skippedLines += lineNo - startLine + 1;
      fields = [];
      field = '';
      quoted = false;
      continue;
    }
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i++;
          } else quoted = false;
        } else {
          // Copy a run of ordinary characters at once.
          const next = line.indexOf('"', i);
          const end = next === -1 ? line.length : next;
          field += line.slice(i, end);
          i = end - 1;
        }
      } else if (ch === '"') {
        quoted = true;
      } else if (ch === ',') {
        fields.push(field);
        field = '';
      } else {
        let end = i;
        while (end < line.length) {
          const c = line.charCodeAt(end);
          if (c === 44 /* , */ || c === 34 /* " */) break;
          end++;
        }
        field += line.slice(i, end);
        i = end - 1;
      }
    }
    if (!quoted) {
      fields.push(field);
      yield { fields, line: startLine };
      fields = [];
      field = '';
    }
  }
  if (quoted || fields.length > 0) stats.skippedLines += lineNo - startLine + 1; // truncated last record
}

// csvlog columns (PostgreSQL 13-18; later versions append columns).
const COL = { time: 0, user: 1, db: 2, pid: 3, session: 5, vxid: 9, xid: 10, severity: 11, message: 13, detail: 14, app: 22 };

export async function* readCsvlog(source: LineSource, file: string, stats: ReaderStats): AsyncGenerator<LoggedStatement> {
  for await (const { fields: f, line } of csvRecords(source.lines, stats)) {
    if (f.length < 23 || !/^\d{4}-\d\d-\d\d /.test(f[COL.time]!)) {
      stats.skippedLines++;
      continue;
    }
    if (f[COL.severity] !== 'LOG') continue;
    const st = statementOf(f[COL.message]!);
    if (!st) continue;
    const xid = f[COL.xid];
    const detail = f[COL.detail];
    yield {
      sql: st.sql,
      durationMs: st.durationMs,
      // Parsed only when asked for: table extraction does not need the values.
      get params() {
        return parametersOf(detail);
      },
      session: f[COL.session] || (f[COL.pid] ? `pid:${f[COL.pid]}` : undefined),
      xid: xid && xid !== '0' ? xid : undefined,
      vxid: f[COL.vxid] || undefined,
      timestamp: f[COL.time],
      user: f[COL.user] || undefined,
      database: f[COL.db] || undefined,
      application: f[COL.app] || undefined,
      calls: 1,
      source: { file, line },
    };
  }
}
