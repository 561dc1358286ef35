/**
 * Reads trace exports (OTLP/JSON lines, Jaeger JSON; plain or compressed, streamed) into the TrafficSummary the
 * query-log readers produce, so the coupling graph takes either (or both, merged):
 *
 * 1. Every database span's statement (`db.query.text` / `db.statement`) is parsed once per shape, by the same
 *    PostgreSQL parser as the logs: statement shapes with the tables they read and write.
 * 2. Its route is the `http.route` (with the method) of its nearest HTTP server span above it in the trace: routes
 *    tie to tables exactly, without sqlcommenter tags. A server span without `http.route` ties to nothing (counted,
 *    warned, never guessed from the URL).
 * 3. Transactions: the statements between a BEGIN and a COMMIT/ROLLBACK span of a trace, in start order; a
 *    statement outside of those is a transaction of its own, as in the logs. What a whole request touches is its
 *    request (route -> tables), not a transaction: taking every statement of a trace as one transaction tied the
 *    tables a page merely reads (products, settings) to everything and lowered the sample's F1 (0.89 -> 0.75).
 *
 * A trace's spans may be spread over many export batches, and late spans may come after their root: a trace is
 * summarized once its root span has been read and LINGER_SPANS more spans have gone by (or at the end of the
 * input), so memory holds the traces in flight, not the file.
 */
import { UsageError } from '../../errors.ts';
import { openText } from '../logs/read-text.ts';
import type { ReaderStats } from '../logs/reader-types.ts';
import { ownCopy } from '../own-copy.ts';
import { initSqlParser, type ParsedStatement, StatementParser } from '../sql/extract-tables.ts';
import { splitTags } from '../sql/sql-tags.ts';
import type { TraceFormat, TrafficSummary } from '../types.ts';
import { detectTraceFiles, TRACE_FORMATS_EXPECTED } from './detect-trace-format.ts';
import { readJaegerJson } from './read-jaeger-json.ts';
import { readOtlpJson } from './read-otlp-json.ts';
import { isSqlSystem, routeName, type TraceSpan } from './trace-span.ts';
import { TrafficBuilder } from './traffic-builder.ts';

export interface SummarizeTracesOptions {
  files: string[];
  /** Spans read after a trace's root before it is summarized (default LINGER_SPANS). */
  lingerSpans?: number;
  onProgress?: (p: { spans: number; file: string }) => void;
}

/** Spans read after a trace's root before the trace is summarized (late spans of the same request). */
const LINGER_SPANS = 50_000;
const SWEEP_EVERY = 10_000;
const EXAMPLES = 3;

/** A span that is neither a server nor a database span is only a link between them. */
type Kept = TraceSpan | { spanId: string; parentId?: string };

interface PendingTrace {
  spans: Kept[];
  /** Spans read when its root (a span without parent) came. */
  rootAt?: number;
}

interface Counts {
  traces: number;
  spans: number;
  serverSpans: number;
  unrouted: number;
  unroutedStatements: number;
  unroutedExamples: string[];
  outsideServer: number;
  notSql: number;
  notSqlSystems: Set<string>;
}

const readers: Record<TraceFormat, (source: Awaited<ReturnType<typeof openText>>, file: string, stats: ReaderStats) => AsyncGenerator<TraceSpan[]>> = {
  otlp: readOtlpJson,
  jaeger: readJaegerJson,
};

export async function summarizeTraces(options: SummarizeTracesOptions): Promise<TrafficSummary> {
  if (options.files.length === 0) throw new UsageError('no trace files given', 'pass --traces <file|glob> or set monolith.traces');
  const detected = await detectTraceFiles(options.files);
  await initSqlParser();
  const builder = new TrafficBuilder();
  const summary = builder.summary;
  const summarizer = new TraceSummarizer(builder, options.lingerSpans ?? LINGER_SPANS);
  for (const { file, format } of detected) {
    if (format === 'empty') {
      summary.warnings.push(`${file}: empty, no spans`);
      summary.files.push({ file, format: 'otlp', statements: 0, traces: 0, spans: 0 });
      continue;
    }
    const before = { statements: summary.statements, traces: summarizer.counts.traces, spans: summarizer.counts.spans };
    const stats: ReaderStats = { skippedLines: 0, warnings: [] };
    const source = await openText(file);
    for await (const batch of readers[format](source, file, stats)) {
      summarizer.add(batch);
      options.onProgress?.({ spans: summarizer.counts.spans, file });
    }
    // Traces may go on in the next file (a rotated export): only the last file's end closes them all.
    const error = source.error();
    if (error) summary.warnings.push(`${file}: stopped early (${error.message}); read what came before`);
    summary.skippedLines += stats.skippedLines;
    summary.warnings.push(...stats.warnings);
    if (stats.skippedLines > 0) summary.warnings.push(`${file}: ${stats.skippedLines} record(s) not understood as ${format} and skipped`);
    summary.files.push({ file, format, statements: 0, traces: 0, spans: summarizer.counts.spans - before.spans });
  }
  summarizer.finish();
  // Statements and traces are counted as traces are summarized, which may be after their file was read: the
  // totals are exact, the split across files of one rotated export is by spans read.
  const read = summary.files.reduce((n, f) => n + (f.spans ?? 0), 0);
  for (const f of summary.files) {
    const share = read === 0 ? 0 : (f.spans ?? 0) / read;
    f.statements = Math.round(summary.statements * share);
    f.traces = Math.round(summarizer.counts.traces * share);
  }
  summary.warnings.push(...summarizer.warnings());
  if (summary.unparsed.count > 0) summary.warnings.push(`${summary.unparsed.count} statement(s) of the traces could not be parsed and were left out (examples in unparsed.examples)`);
  if (summary.statements === 0) {
    throw new UsageError(
      `no database spans in ${options.files.length} trace file(s)${summary.warnings.length ? ` (${summary.warnings[0]})` : ''}`,
      `analyze reads statements from database client spans (db.query.text or db.statement, e.g. from @opentelemetry/instrumentation-pg); --traces reads ${TRACE_FORMATS_EXPECTED}`,
    );
  }
  return builder.build();
}

/** Groups spans into traces as they come and summarizes each trace once it is complete. */
class TraceSummarizer {
  readonly counts: Counts = { traces: 0, spans: 0, serverSpans: 0, unrouted: 0, unroutedStatements: 0, unroutedExamples: [], outsideServer: 0, notSql: 0, notSqlSystems: new Set() };
  private readonly pending = new Map<string, PendingTrace>();
  private readonly parser = new StatementParser();
  private lastSweep = 0;

  constructor(
    private readonly builder: TrafficBuilder,
    private readonly lingerSpans: number,
  ) {}

  add(batch: TraceSpan[]): void {
    for (const span of batch) {
      this.counts.spans++;
      let trace = this.pending.get(span.traceId);
      if (!trace) this.pending.set(span.traceId, (trace = { spans: [] }));
      trace.spans.push(span.server || span.statement !== undefined ? span : { spanId: span.spanId, ...(span.parentId ? { parentId: span.parentId } : {}) });
      if (!span.parentId) trace.rootAt = this.counts.spans;
    }
    if (this.counts.spans - this.lastSweep >= Math.min(SWEEP_EVERY, this.lingerSpans)) {
      this.lastSweep = this.counts.spans;
      for (const [id, trace] of this.pending) {
        if (trace.rootAt !== undefined && this.counts.spans - trace.rootAt > this.lingerSpans) {
          this.pending.delete(id);
          this.summarize(trace.spans);
        }
      }
    }
  }

  finish(): void {
    for (const trace of this.pending.values()) this.summarize(trace.spans);
    this.pending.clear();
  }

  warnings(): string[] {
    const c = this.counts;
    const out: string[] = [];
    if (c.unrouted > 0) {
      out.push(
        `${c.unrouted} of ${c.serverSpans} HTTP server span(s) have no http.route (e.g. ${c.unroutedExamples.join(', ')}): their ${c.unroutedStatements} statement(s) count as traffic but tie to no route (routes are not guessed from URLs; an instrumentation of the web framework sets http.route)`,
      );
    }
    if (c.outsideServer > 0) out.push(`${c.outsideServer} database span(s) belong to no HTTP server span (start-up, jobs, consumers): counted as traffic, tied to no route`);
    if (c.notSql > 0) out.push(`${c.notSql} span(s) of databases that do not speak SQL (${[...c.notSqlSystems].sort().join(', ')}) left out`);
    return out;
  }

  private parse(span: TraceSpan): { parsed: ParsedStatement; sql: string } | undefined {
    const { sql } = span.statement!.includes('/*') ? splitTags(span.statement!) : { sql: span.statement! };
    try {
      return { parsed: this.parser.parse(sql), sql };
    } catch (e) {
      const unparsed = this.builder.summary.unparsed;
      unparsed.count++;
      if (unparsed.examples.length < 5) unparsed.examples.push({ sql: ownCopy(sql.slice(0, 300)), error: (e as Error).message, source: span.source });
      return undefined;
    }
  }

  private summarize(spans: Kept[]): void {
    this.counts.traces++;
    const byId = new Map<string, Kept>();
    for (const s of spans) byId.set(s.spanId, s);
    const serverOf = nearestServer(byId);
    const statements = spans.filter((s): s is TraceSpan => 'statement' in s && s.statement !== undefined).sort((a, b) => a.start - b.start);
    const requests = new Map<TraceSpan, { route: string; tables: Set<string>; written: Set<string> }>();
    for (const s of spans) if ('server' in s && s.server) this.counts.serverSpans++;
    let tx: { tables: Set<string>; written: Set<string> } | undefined;
    for (const span of statements) {
      if (!isSqlSystem(span.dbSystem)) {
        this.counts.notSql++;
        this.counts.notSqlSystems.add(span.dbSystem!);
        continue;
      }
      this.builder.summary.statements++;
      const server = serverOf(span);
      const route = server ? routeName(server.server!) : undefined;
      if (!server) this.counts.outsideServer++;
      else if (!route) this.counts.unroutedStatements++;
      const got = this.parse(span);
      if (!got) continue;
      const { parsed, sql } = got;
      if (parsed.kind === 'begin') {
        if (tx) this.builder.addTransaction(tx.tables, tx.written, 1);
        tx = { tables: new Set(), written: new Set() };
        continue;
      }
      if (parsed.kind === 'commit' || parsed.kind === 'rollback') {
        if (tx) this.builder.addTransaction(tx.tables, tx.written, 1);
        tx = undefined;
        continue;
      }
      const access = parsed.access;
      if (access.tables.length === 0) continue;
      this.builder.addShape({ fingerprint: parsed.fingerprint, example: ownCopy(sql.slice(0, 300)), access, firstSeen: span.source }, 1, route ? { [route]: 1 } : {});
      if (tx) {
        for (const t of access.tables) tx.tables.add(t);
        for (const t of access.written) tx.written.add(t);
      } else this.builder.addTransaction(access.tables, access.written, 1);
      if (server && route) {
        let r = requests.get(server);
        if (!r) requests.set(server, (r = { route, tables: new Set(), written: new Set() }));
        for (const t of access.tables) r.tables.add(t);
        for (const t of access.written) r.written.add(t);
      }
    }
    if (tx) this.builder.addTransaction(tx.tables, tx.written, 1);
    for (const s of spans) {
      if (!('server' in s) || !s.server) continue;
      const r = requests.get(s);
      const route = routeName(s.server);
      if (r) this.builder.addRequest(r.route, undefined, r.tables, r.written, 1);
      else if (route) this.builder.addRequest(route, undefined, [], [], 1);
      else {
        this.counts.unrouted++;
        const example = `${s.server.method ?? '?'} ${s.server.target ?? '?'}`;
        if (this.counts.unroutedExamples.length < EXAMPLES && !this.counts.unroutedExamples.includes(example)) this.counts.unroutedExamples.push(example);
      }
    }
  }
}

/** The nearest HTTP server span at or above a span, through its parents (memoized; a broken chain gives none). */
function nearestServer(byId: Map<string, Kept>): (span: Kept) => TraceSpan | undefined {
  const memo = new Map<string, TraceSpan | null>();
  return (start) => {
    const path: string[] = [];
    let at: Kept | undefined = start;
    let found: TraceSpan | null = null;
    while (at) {
      const known = memo.get(at.spanId);
      if (known !== undefined) {
        found = known;
        break;
      }
      if ('server' in at && at.server) {
        found = at;
        break;
      }
      path.push(at.spanId);
      if (path.length > 10_000 || !at.parentId) break;
      at = byId.get(at.parentId);
    }
    for (const id of path) memo.set(id, found);
    return found ?? undefined;
  };
}
