/**
 * PostgreSQL's text logs: stderr with any log_line_prefix, and the same lines inside an envelope (syslog,
 * logplex, Cloud SQL). A message continues on lines that do not start with the prefix: lines indented with a
 * tab or spaces, and (in an envelope that numbers parts, `[N-M]`) any later part. Messages of one process are
 * put together apart from the others', so lines of several processes may interleave (syslog).
 */
import type { LoggedStatement } from '../types.ts';
import type { Envelope } from './line-envelopes.ts';
import { DEFAULT_LOG_LINE_PREFIX, prefixRegex } from './log-line-prefix.ts';
import { lineBatches, type TextSource } from './read-text.ts';
import type { ReaderStats } from './reader-types.ts';
import { parametersOf, statementOf } from './statement-message.ts';

interface Entry {
  groups: Record<string, string | undefined>;
  severity: string;
  message: string;
  line: number;
  pid?: string;
}

/** A process's message being read, and its last statement (waiting for a DETAIL with its parameters). */
interface Open {
  entry?: Entry;
  pending?: LoggedStatement;
}

const TAB = 9;
const SPACE = 32;
const MAX_OPEN = 4096;

export function stderrReader(prefix = DEFAULT_LOG_LINE_PREFIX, envelope?: Envelope) {
  const re = prefixRegex(prefix);
  return async function* readTextLog(source: TextSource, file: string, stats: ReaderStats): AsyncGenerator<LoggedStatement[]> {
    let batch: LoggedStatement[] = [];
    const toStatement = (e: Entry): LoggedStatement | undefined => {
      if (e.severity !== 'LOG') return undefined;
      const st = statementOf(e.message);
      if (!st) return undefined;
      const g = e.groups;
      const pid = g.pid ?? e.pid;
      return {
        sql: st.sql,
        durationMs: st.durationMs,
        session: g.session ?? (pid ? `pid:${pid}` : undefined),
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
    const finish = (o: Open): void => {
      const e = o.entry;
      if (!e) return;
      o.entry = undefined;
      if (e.severity === 'DETAIL' && o.pending) {
        const params = parametersOf(e.message);
        if (params) o.pending.params = params;
        return;
      }
      if (o.pending) batch.push(o.pending);
      o.pending = toStatement(e);
    };
    // Without an envelope that names processes, one message is open at a time.
    const single: Open = {};
    const byPid = new Map<string, Open>();
    const openOf = (pid: string | undefined): Open => {
      if (pid === undefined) return single;
      let o = byPid.get(pid);
      if (!o) {
        if (byPid.size >= MAX_OPEN) closeOldest();
        byPid.set(pid, (o = {}));
      }
      return o;
    };
    // Processes end and their pids are not reused for long: the least recently started messages are closed.
    const closeOldest = () => {
      let n = 0;
      for (const [pid, o] of byPid) {
        finish(o);
        if (o.pending) batch.push(o.pending);
        byPid.delete(pid);
        if (++n >= MAX_OPEN / 4) break;
      }
    };
    /**
     * One line of PostgreSQL's text. A message goes on in lines indented with a tab (or spaces, when a collector
     * turned the tab into them), and in the later parts of a line an envelope split (syslog's `[N-2]`: the part
     * goes on where the line was cut, at a space).
     */
    const readBody = (body: string, pid: string | undefined, part: number | undefined, lineNo: number) => {
      const first = body.charCodeAt(0);
      const o = openOf(pid);
      if (first === TAB && o.entry) {
        o.entry.message += `\n${body.slice(1)}`;
        return;
      }
      const m = re.exec(body);
      if (m) {
        finish(o);
        o.entry = { groups: m.groups ?? {}, severity: m.groups!.severity!, message: m.groups!.message!, line: lineNo, pid };
      } else if (o.entry && part !== undefined && part > 1) o.entry.message += body;
      else if (o.entry && first === SPACE) o.entry.message += `\n${body}`;
      else if (body.trim() !== '') stats.skippedLines++;
    };
    let lineNo = 0;
    for await (const lines of lineBatches(source.chunks)) {
      for (const line of lines) {
        lineNo++;
        let body = line;
        let pid: string | undefined;
        let part: number | undefined;
        if (envelope) {
          const cut = envelope.split(line);
          if (!cut) {
            if (line.trim() !== '') stats.skippedLines++;
            continue;
          }
          ({ body, pid, part } = cut);
          if (body === '') continue;
        }
        if (body.includes('\n')) {
          // One entry of a JSON envelope (Cloud SQL) holding the whole message: its later lines continue it.
          const [head, ...rest] = body.split('\n');
          readBody(head!, pid, part, lineNo);
          const o = openOf(pid);
          if (o.entry) for (const l of rest) o.entry.message += `\n${l.charCodeAt(0) === TAB ? l.slice(1) : l}`;
        } else readBody(body, pid, part, lineNo);
      }
      if (batch.length > 0) {
        yield batch;
        batch = [];
      }
    }
    for (const o of [single, ...byPid.values()]) {
      finish(o);
      if (o.pending) batch.push(o.pending);
    }
    if (batch.length > 0) yield batch;
  };
}
