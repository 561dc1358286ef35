/** PostgreSQL jsonlog (15+): one JSON object per line. */
import type { LoggedStatement } from '../types.ts';
import { lineBatches, type TextSource } from './read-text.ts';
import type { ReaderStats } from './reader-types.ts';
import { parametersOf, statementOf } from './statement-message.ts';

const str = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : String(v));

export async function* readJsonlog(source: TextSource, file: string, stats: ReaderStats): AsyncGenerator<LoggedStatement[]> {
  let lineNo = 0;
  for await (const lines of lineBatches(source.chunks)) {
    const batch: LoggedStatement[] = [];
    for (const line of lines) {
      lineNo++;
      const st = entryOf(line, file, lineNo, stats);
      if (st) batch.push(st);
    }
    if (batch.length > 0) yield batch;
  }
}

function entryOf(line: string, file: string, lineNo: number, stats: ReaderStats): LoggedStatement | undefined {
  if (!line.trim()) return undefined;
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(line);
  } catch {
    stats.skippedLines++;
    return undefined;
  }
  if (!r || typeof r !== 'object' || typeof r.message !== 'string') {
    stats.skippedLines++;
    return undefined;
  }
  if (r.error_severity !== 'LOG') return undefined;
  const st = statementOf(r.message);
  if (!st) return undefined;
  const xid = str(r.txid);
  return {
    sql: st.sql,
    durationMs: st.durationMs,
    params: parametersOf(str(r.detail)),
    session: str(r.session_id) ?? (r.pid !== undefined ? `pid:${r.pid}` : undefined),
    xid: xid && xid !== '0' ? xid : undefined,
    vxid: str(r.vxid),
    timestamp: str(r.timestamp),
    user: str(r.user),
    database: str(r.dbname),
    application: str(r.application_name),
    calls: 1,
    source: { file, line: lineNo },
  };
}
