/** PostgreSQL csvlog: RFC 4180 records (quoted newlines, doubled quotes), one log entry per record. */
import { ownCopy } from '../own-copy.ts';
import type { LoggedStatement } from '../types.ts';
import { csvBatches, CsvScanner } from './read-csv.ts';
import type { TextSource } from './read-text.ts';
import type { ReaderStats } from './reader-types.ts';
import { parametersOf, statementOf } from './statement-message.ts';

// csvlog columns (PostgreSQL 13-18; later versions append columns).
const COL = { time: 0, user: 1, db: 2, pid: 3, session: 5, vxid: 9, xid: 10, severity: 11, message: 13, detail: 14, app: 22 };
const USED = Object.values(COL);

/** A statement of a csvlog record; its parameters are parsed only when asked for (table extraction does not). */
class CsvlogStatement implements LoggedStatement {
  sql: string;
  durationMs: number | undefined;
  session: string | undefined;
  xid: string | undefined;
  vxid: string | undefined;
  timestamp: string;
  user: string | undefined;
  database: string | undefined;
  application: string | undefined;
  calls = 1;
  source: { file: string; line: number };
  private readonly detail: string;
  private parsedParams: string[] | undefined | null = null;

  constructor(f: string[], st: { sql: string; durationMs?: number }, file: string, line: number) {
    this.sql = st.sql;
    this.durationMs = st.durationMs;
    const pid = f[COL.pid];
    this.session = f[COL.session] || (pid ? `pid:${pid}` : undefined);
    const xid = f[COL.xid];
    this.xid = xid && xid !== '0' ? xid : undefined;
    this.vxid = f[COL.vxid] || undefined;
    this.timestamp = f[COL.time]!;
    this.user = f[COL.user] || undefined;
    this.database = f[COL.db] || undefined;
    this.application = f[COL.app] || undefined;
    this.source = { file, line };
    this.detail = f[COL.detail]!;
  }

  get params(): string[] | undefined {
    if (this.parsedParams === null) this.parsedParams = parametersOf(this.detail);
    return this.parsedParams;
  }

  set params(value: string[] | undefined) {
    this.parsedParams = value;
  }
}

/**
 * `statementOf` by message text. Logs repeat their statements (bind parameters are in the detail column), so
 * a repeated message costs one lookup and yields the same SQL string object each time, whose hash V8 keeps:
 * the statement caches after this one do not hash the text again. Holds about MEMO_CHARS characters at most.
 */
class StatementMemo {
  private readonly byMessage = new Map<string, { sql: string; durationMs?: number } | null>();
  private chars = 0;

  of(message: string): { sql: string; durationMs?: number } | undefined {
    let st = this.byMessage.get(message);
    if (st === undefined) {
      if (message.length > 16_384) return statementOf(message);
      const own = ownCopy(message);
      st = statementOf(own) ?? null;
      if (this.chars > MEMO_CHARS) {
        this.byMessage.clear();
        this.chars = 0;
      }
      this.byMessage.set(own, st);
      this.chars += own.length;
    }
    return st ?? undefined;
  }
}

const MEMO_CHARS = 4_000_000;

/** `YYYY-MM-DD ` at the start of the time column. */
function isTimestamp(s: string): boolean {
  if (s.length < 11 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 32) return false;
  return digit(s, 0) && digit(s, 1) && digit(s, 2) && digit(s, 3) && digit(s, 5) && digit(s, 6) && digit(s, 8) && digit(s, 9);
}

function digit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

export async function* readCsvlog(source: TextSource, file: string, stats: ReaderStats): AsyncGenerator<LoggedStatement[]> {
  const statements = new StatementMemo();
  yield* csvBatches<LoggedStatement>(source.chunks, new CsvScanner(stats, USED), (f, count, line) => {
    if (count < 23 || !isTimestamp(f[COL.time]!)) {
      stats.skippedLines++;
      return undefined;
    }
    if (f[COL.severity] !== 'LOG') return undefined;
    const st = statements.of(f[COL.message]!);
    return st ? new CsvlogStatement(f, st, file, line) : undefined;
  });
}
