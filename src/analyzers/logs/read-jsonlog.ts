/** PostgreSQL jsonlog (15+): one JSON object per line. */
import type { LoggedStatement } from '../types.ts';
import type { LineSource } from './read-lines.ts';
import type { ReaderStats } from './reader-types.ts';
import { parametersOf, statementOf } from './statement-message.ts';

export async function* readJsonlog(source: LineSource, file: string, stats: ReaderStats): AsyncGenerator<LoggedStatement> {
  let lineNo = 0;
  for await (const line of source.lines) {
    lineNo++;
    if (!line.trim()) continue;
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(line);
    } catch {
      stats.skippedLines++;
      continue;
    }
    if (!r || typeof r !== 'object' || typeof r.message !== 'string') {
      stats.skippedLines++;
      continue;
    }
    if (r.error_severity !== 'LOG') continue;
    const st = statementOf(r.message);
    if (!st) continue;
    const str = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : String(v));
    const xid = str(r.txid);
    yield {
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
}
