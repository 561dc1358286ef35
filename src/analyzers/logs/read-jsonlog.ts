/**
 * PostgreSQL jsonlog (15+): one JSON object per line; also CloudNativePG's, whose operator wraps each entry of
 * the csvlog's columns in `{"logger":"postgres","record":{...}}` (other loggers' lines are ignored).
 */
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
  if (!r || typeof r !== 'object') {
    stats.skippedLines++;
    return undefined;
  }
  if (r.record && typeof r.record === 'object') return cnpgEntry(r.record as Record<string, unknown>, file, lineNo);
  if (typeof r.message !== 'string') {
    // CloudNativePG's operator logs besides PostgreSQL's: not statements, not damage either.
    if (typeof r.logger !== 'string' && typeof r.msg !== 'string') stats.skippedLines++;
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

/** A CloudNativePG record: the csvlog's columns by name. */
function cnpgEntry(r: Record<string, unknown>, file: string, lineNo: number): LoggedStatement | undefined {
  if (r.error_severity !== 'LOG' || typeof r.message !== 'string') return undefined;
  const st = statementOf(r.message);
  if (!st) return undefined;
  const xid = str(r.transaction_id);
  return {
    sql: st.sql,
    durationMs: st.durationMs,
    params: parametersOf(str(r.detail)),
    session: str(r.session_id) ?? (r.process_id !== undefined ? `pid:${r.process_id}` : undefined),
    xid: xid && xid !== '0' ? xid : undefined,
    vxid: str(r.virtual_transaction_id),
    timestamp: str(r.log_time),
    user: str(r.user_name),
    database: str(r.database_name),
    application: str(r.application_name),
    calls: 1,
    source: { file, line: lineNo },
  };
}
