/**
 * Reads query logs (any mix of formats, plain or gzip, streamed) into a TrafficSummary: statement shapes with
 * the tables they read and write, transactions and requests aggregated by the tables they touch.
 */
import { UsageError } from '../../errors.ts';
import { ownCopy } from '../own-copy.ts';
import { initSqlParser, type ParsedStatement, StatementParser } from '../sql/extract-tables.ts';
import { splitTags } from '../sql/sql-tags.ts';
import type { LogFormat, LoggedStatement, RequestShape, SqlTags, StatementShape, TrafficSummary, TransactionShape } from '../types.ts';
import { UNDERSTOOD_FORMATS } from './detect-format.ts';
import { detectFile, readerFor } from './open-log.ts';
import { openText } from './read-text.ts';
import type { ReaderStats } from './reader-types.ts';

export interface SummarizeOptions {
  files: string[];
  format?: 'auto' | LogFormat;
  logLinePrefix?: string;
  onProgress?: (p: { statements: number; bytes: number; file: string }) => void;
}

interface OpenTransaction {
  tables: Set<string>;
  written: Set<string>;
}

/**
 * Statements of a session outside BEGIN..COMMIT that carry a transaction id (vxid, else a non-zero xid): the
 * logs may leave BEGIN out (log_statement = mod, a duration threshold), so statements sharing the id are one
 * transaction. Most are alone (autocommit): the first is kept as it is and a set is only built for a second.
 */
interface ImplicitTransaction {
  id: string;
  first: ParsedStatement;
  calls: number;
  tx?: OpenTransaction;
}

interface OpenRequest {
  route: string;
  module?: string;
  tables: Set<string>;
  written: Set<string>;
}

const EXAMPLE_LENGTH = 300;
const NO_TAGS: Readonly<SqlTags> = Object.freeze({});

export async function summarizeTraffic(options: SummarizeOptions): Promise<TrafficSummary> {
  if (options.files.length === 0) throw new UsageError('no query logs given', 'pass --logs <file|glob> or set monolith.logs');
  await initSqlParser();
  const parser = new StatementParser();
  const shapes = new Map<string, StatementShape>();
  const transactions = new Map<string, TransactionShape>();
  const requests = new Map<string, RequestShape>();
  const unparsed: TrafficSummary['unparsed'] = { count: 0, examples: [] };
  const summary: TrafficSummary = { files: [], statements: 0, shapes: [], transactions: [], requests: [], unparsed, skippedLines: 0, warnings: [] };

  // Written tables (and a request's tables) are gathered in sets and sorted into the shapes once, at the end.
  const txWritten = new Map<TransactionShape, Set<string>>();
  const reqTables = new Map<RequestShape, { tables: Set<string>; written: Set<string> }>();
  const countTransaction = (key: string, tables: readonly string[], written: Iterable<string>, count: number) => {
    let shape = transactions.get(key);
    let seen: Set<string>;
    if (!shape) {
      shape = { tables: [...tables], written: [], count: 0 };
      transactions.set(key, shape);
      txWritten.set(shape, (seen = new Set()));
    } else {
      seen = txWritten.get(shape)!;
    }
    for (const t of written) seen.add(t);
    shape.count += count;
  };
  const addTransaction = (t: OpenTransaction) => {
    if (t.tables.size === 0) return;
    const tables = [...t.tables].sort();
    countTransaction(tables.join(','), tables, t.written, 1);
  };
  // A statement outside BEGIN..COMMIT is a transaction of its own: its key is computed once per shape.
  const singleKeys = new Map<ParsedStatement, string>();
  const addSingle = (parsed: ParsedStatement, count: number) => {
    let key = singleKeys.get(parsed);
    if (key === undefined) singleKeys.set(parsed, (key = parsed.access.tables.join(',')));
    countTransaction(key, parsed.access.tables, parsed.access.written, count);
  };
  const addRequest = (r: OpenRequest) => {
    let shape = requests.get(r.route);
    if (!shape) {
      shape = { route: r.route, module: r.module, tables: [], written: [], count: 0 };
      requests.set(r.route, shape);
      reqTables.set(shape, { tables: new Set(), written: new Set() });
    }
    const sets = reqTables.get(shape)!;
    for (const t of r.tables) sets.tables.add(t);
    for (const t of r.written) sets.written.add(t);
    shape.count++;
  };

  for (const file of options.files) {
    const found = await detectFile(file, { format: options.format, logLinePrefix: options.logLinePrefix });
    if (!found.detected) {
      // A file named that is not there is a mistake in the command, as a glob matching nothing is.
      if ('unreadable' in found && found.unreadable) throw new UsageError(`${file}: cannot be read (${found.unreadable})`, 'check the paths given to --logs (or monolith.logs): every file named must exist and be readable');
      if ('damaged' in found && found.damaged) {
        summary.warnings.push(`${file}: damaged, nothing could be read before the damage (${found.damaged}); skipped`);
        continue;
      }
      summary.warnings.push(`${file}: unknown log format, skipped (understood: ${UNDERSTOOD_FORMATS}); for a stderr log give its --log-line-prefix, or name the format with --log-format`);
      continue;
    }
    const detected = found.detected;
    const format = detected.format;
    const reader = readerFor(detected);
    const stats: ReaderStats = { skippedLines: 0, warnings: [] };
    const source = await openText(file);
    const openTx = new Map<string, OpenTransaction>();
    const implicit = new Map<string, ImplicitTransaction>();
    const openReq = new Map<string, OpenRequest>();
    const countImplicit = (t: ImplicitTransaction) => (t.tx ? addTransaction(t.tx) : addSingle(t.first, t.calls));
    const closeImplicit = (session: string) => {
      const pending = implicit.get(session);
      if (!pending) return;
      implicit.delete(session);
      countImplicit(pending);
    };
    let count = 0;
    for await (const batch of reader(source, file, stats)) {
      for (const st of batch) {
        count += st.calls;
        summary.statements += st.calls;
        if (options.onProgress && count % 50_000 < st.calls) options.onProgress({ statements: summary.statements, bytes: source.bytes(), file });
        handle(st);
      }
    }
    for (const t of openTx.values()) addTransaction(t);
    for (const t of implicit.values()) countImplicit(t);
    for (const r of openReq.values()) addRequest(r);
    const error = source.error();
    if (error) summary.warnings.push(`${file}: stopped early (${error.message}); read what came before`);
    summary.skippedLines += stats.skippedLines;
    summary.warnings.push(...stats.warnings);
    if (stats.skippedLines > 0) summary.warnings.push(`${file}: ${stats.skippedLines} line(s) not understood as ${format} and skipped`);
    summary.files.push({ file, format, statements: count, ...(detected.logLinePrefix === undefined ? {} : { logLinePrefix: detected.logLinePrefix, prefixInferred: Boolean(detected.inferred) }) });

    function handle(st: LoggedStatement): void {
      const { sql, tags } = st.sql.includes('/*') ? splitTags(st.sql) : { sql: st.sql, tags: NO_TAGS };
      let parsed;
      try {
        parsed = parser.parse(sql);
      } catch (e) {
        unparsed.count += st.calls;
        if (unparsed.examples.length < 5) unparsed.examples.push({ sql: ownCopy(sql.slice(0, EXAMPLE_LENGTH)), error: (e as Error).message, source: st.source });
        return;
      }
      const session = st.session;
      const route = tags.route ?? (st.application?.includes(' /') ? st.application : undefined);
      // Requests: consecutive statements of a session carrying the same route tag.
      if (session) {
        const current = openReq.get(session);
        if (current && current.route !== route) {
          addRequest(current);
          openReq.delete(session);
        }
        if (route && parsed.access.tables.length > 0) {
          let r = openReq.get(session);
          if (!r) {
            const module = tags.module ?? tags.controller;
            r = { route: ownCopy(route), module: module === undefined ? undefined : ownCopy(module), tables: new Set<string>(), written: new Set<string>() };
            openReq.set(ownCopy(session), r);
          }
          for (const t of parsed.access.tables) r.tables.add(t);
          for (const t of parsed.access.written) r.written.add(t);
        }
      }
      // Transactions: BEGIN..COMMIT/ROLLBACK per session; outside, statements sharing a transaction id, else each
      // statement is its own transaction.
      if (parsed.kind === 'begin' && session) {
        closeImplicit(session);
        const previous = openTx.get(session);
        if (previous) addTransaction(previous);
        openTx.set(previous ? session : ownCopy(session), { tables: new Set(), written: new Set() });
        return;
      }
      if ((parsed.kind === 'commit' || parsed.kind === 'rollback') && session) {
        const tx = openTx.get(session);
        if (tx) addTransaction(tx);
        openTx.delete(session);
        return;
      }
      if (parsed.access.tables.length === 0) return;
      let shape = shapes.get(parsed.fingerprint);
      if (!shape) {
        shape = {
          fingerprint: parsed.fingerprint,
          example: ownCopy(sql.slice(0, EXAMPLE_LENGTH)),
          access: parsed.access,
          count: 0,
          routes: {},
          modules: {},
          firstSeen: st.source,
        };
        shapes.set(parsed.fingerprint, shape);
      }
      shape.count += st.calls;
      if (route) shape.routes[route] = (shape.routes[route] ?? 0) + st.calls;
      const module = tags.module ?? tags.controller;
      if (module) shape.modules[module] = (shape.modules[module] ?? 0) + st.calls;
      const tx = session ? openTx.get(session) : undefined;
      if (tx) {
        for (const t of parsed.access.tables) tx.tables.add(t);
        for (const t of parsed.access.written) tx.written.add(t);
      } else if (format === 'pg_stat_statements') {
        // no transactions in an export
      } else if (session && (st.vxid ?? st.xid)) {
        const id = (st.vxid ?? st.xid)!;
        const pending = implicit.get(session);
        if (pending && pending.id === id) {
          pending.tx ??= { tables: new Set(pending.first.access.tables), written: new Set(pending.first.access.written) };
          for (const t of parsed.access.tables) pending.tx.tables.add(t);
          for (const t of parsed.access.written) pending.tx.written.add(t);
        } else if (pending) {
          // The session's previous transaction ended: count it, and reuse its entry (its key is already a copy).
          countImplicit(pending);
          pending.id = id;
          pending.first = parsed;
          pending.calls = st.calls;
          pending.tx = undefined;
        } else {
          implicit.set(ownCopy(session), { id, first: parsed, calls: st.calls });
        }
      } else {
        addSingle(parsed, st.calls);
      }
    }
  }
  if (unparsed.count > 0) summary.warnings.push(`${unparsed.count} statement(s) could not be parsed and were left out (examples in unparsed.examples)`);
  if (summary.statements === 0) {
    throw new UsageError(
      `no SQL statements found in ${options.files.length} log file(s)${summary.warnings.length ? ` (${summary.warnings[0]})` : ''}`,
      `give logs written with log_statement=all or log_min_duration_statement=0; understood: ${UNDERSTOOD_FORMATS}; when a file is not recognised, give its --log-line-prefix or --log-format`,
    );
  }
  for (const [shape, written] of txWritten) shape.written = [...written].sort();
  for (const [shape, sets] of reqTables) {
    shape.tables = [...sets.tables].sort();
    shape.written = [...sets.written].sort();
  }
  const byKey = <T>(map: Map<string, T>) => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  summary.shapes = byKey(shapes);
  summary.transactions = byKey(transactions);
  summary.requests = byKey(requests);
  return summary;
}
