/** PostgreSQL stderr logs with any log_line_prefix; multi-line statements continue on lines starting with a tab. */
import type { LoggedStatement } from '../types.ts';
import { DEFAULT_LOG_LINE_PREFIX, prefixRegex } from './log-line-prefix.ts';
import { lineBatches, type TextSource } from './read-text.ts';
import type { ReaderStats } from './reader-types.ts';
import { parametersOf, statementOf } from './statement-message.ts';

interface Entry {
  groups: Record<string, string | undefined>;
  severity: string;
  message: string;
  line: number;
}

export function stderrReader(prefix = DEFAULT_LOG_LINE_PREFIX) {
  const re = prefixRegex(prefix);
  return async function* readStderrLog(source: TextSource, file: string, stats: ReaderStats): AsyncGenerator<LoggedStatement[]> {
    let entry: Entry | undefined;
    let pending: LoggedStatement | undefined;
    let lineNo = 0;
    const toStatement = (e: Entry): LoggedStatement | undefined => {
      if (e.severity !== 'LOG') return undefined;
      const st = statementOf(e.message);
      if (!st) return undefined;
      const g = e.groups;
      return {
        sql: st.sql,
        durationMs: st.durationMs,
        session: g.session ?? (g.pid ? `pid:${g.pid}` : undefined),
        xid: g.xid && g.xid !== '0' ? g.xid : undefined,
        vxid: g.vxid || undefined,
        timestamp: g.ts,
        user: g.user || undefined,
        database: g.db || undefined,
        application: g.app || undefined,
        calls: 1,
        source: { file, line: e.line },
      };
    };
    let batch: LoggedStatement[] = [];
    const finish = (e: Entry | undefined): void => {
      if (!e) return;
      if (e.severity === 'DETAIL' && pending) {
        const params = parametersOf(e.message);
        if (params) pending.params = params;
        return;
      }
      if (pending) batch.push(pending);
      pending = toStatement(e);
    };
    for await (const lines of lineBatches(source.chunks)) {
      for (const line of lines) {
        lineNo++;
        if (line.startsWith('\t') && entry) {
          entry.message += `\n${line.slice(1)}`;
          continue;
        }
        const m = re.exec(line);
        if (!m) {
          if (line.trim() !== '') stats.skippedLines++;
          continue;
        }
        finish(entry);
        entry = { groups: m.groups ?? {}, severity: m.groups!.severity!, message: m.groups!.message!, line: lineNo };
      }
      if (batch.length > 0) {
        yield batch;
        batch = [];
      }
    }
    finish(entry);
    if (pending) batch.push(pending);
    if (batch.length > 0) yield batch;
  };
}
