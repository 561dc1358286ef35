import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { context, SpanKind, trace, type Attributes, type Span } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJaeger } from '../../../fixtures/sample-monolith/scripts/jaeger-export.ts';
import { openText } from '../../../src/analyzers/logs/read-text.ts';
import { readPartition } from '../../../src/analyzers/partition/read-partition.ts';
import { jsonArrayItems } from '../../../src/analyzers/traces/json-array-items.ts';
import { readJaegerJson } from '../../../src/analyzers/traces/read-jaeger-json.ts';
import { readOtlpJson } from '../../../src/analyzers/traces/read-otlp-json.ts';
import { summarizeTraces } from '../../../src/analyzers/traces/summarize-traces.ts';
import type { TraceSpan } from '../../../src/analyzers/traces/trace-span.ts';
import type { TrafficSummary } from '../../../src/analyzers/types.ts';
import { SAMPLE_ROOT } from '../../../src/commands/analyze.ts';
import { UsageError } from '../../../src/errors.ts';

const OTLP = path.join(SAMPLE_ROOT, 'traces/otlp.jsonl.gz');
const JAEGER = path.join(SAMPLE_ROOT, 'traces/jaeger.json.gz');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'trace-readers-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What a summary says about the traffic (not where it was read from). */
const view = (s: TrafficSummary) => ({
  statements: s.statements,
  shapes: s.shapes.map((x) => [x.fingerprint, x.count, x.access.tables.join(','), x.access.written.join(','), x.routes]),
  transactions: s.transactions,
  requests: s.requests,
  unparsed: s.unparsed.count,
  warnings: s.warnings.filter((w) => !w.includes('.gz')),
});

async function spansOf(file: string, reader: typeof readOtlpJson): Promise<Omit<TraceSpan, 'source'>[]> {
  const out: Omit<TraceSpan, 'source'>[] = [];
  const stats = { skippedLines: 0, warnings: [] };
  for await (const batch of reader(await openText(file), file, stats)) for (const { source: _, ...span } of batch) out.push(span);
  expect(stats).toEqual({ skippedLines: 0, warnings: [] });
  return out.sort((a, b) => (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0));
}

describe('trace readers on the recorded sample (OpenTelemetry SDK, http + express + pg instrumentations)', () => {
  it('read the same spans from the OTLP/JSON lines and from the Jaeger export of them', async () => {
    const [otlp, jaeger] = await Promise.all([spansOf(OTLP, readOtlpJson), spansOf(JAEGER, readJaegerJson)]);
    expect(otlp.length).toBeGreaterThan(20_000);
    expect(jaeger).toEqual(otlp);
    const servers = otlp.filter((s) => s.server);
    expect(servers.length).toBeGreaterThan(3_000);
    expect(servers.every((s) => s.server!.route && s.server!.method)).toBe(true);
    expect(otlp.filter((s) => s.statement).length).toBeGreaterThan(5_000);
  });

  it('ties every route to the tables its statements touch, with the ground truth routes', async () => {
    const s = await summarizeTraces({ files: [OTLP] });
    const truth = await readPartition(path.join(SAMPLE_ROOT, 'domains.yaml'));
    const known = new Set(Object.values(truth.contexts).flatMap((c) => c.routes));
    const routes = s.requests.map((r) => r.route);
    expect(routes.filter((r) => !known.has(r))).toEqual([]);
    expect(routes.length).toBeGreaterThanOrEqual(48);
    const req = (route: string) => s.requests.find((r) => r.route === route)!;
    expect(req('POST /carts/:userId/items').written).toContain('cart_items');
    expect(req('POST /checkout').written).toEqual(expect.arrayContaining(['orders', 'order_items']));
    expect(req('GET /users/:id').written).toEqual([]);
    expect(req('GET /users/:id').tables).toContain('users');
    // The checkout's BEGIN..COMMIT is one transaction writing the order and its items.
    expect(s.transactions.some((t) => t.written.includes('orders') && t.written.includes('order_items'))).toBe(true);
  });

  it('cut the traces of a Jaeger export out of chunks that end anywhere (in strings, escapes, keys)', async () => {
    const text = gunzipSync(await readFile(JAEGER)).toString('utf8').slice(0, 400_000);
    // The first traces of the recording, closed as a document of its own, with keys around the array.
    const cut = [...text.matchAll(/,\{"traceID":"[0-9a-f]{32}","spans":/g)].pop()!.index;
    const doc = `{"total": 0, "x": {"data": [1]}, "s": "\\"data\\": [", ${text.slice(1, cut)}], "limit": 0}`;
    const expected = (JSON.parse(doc) as { data: unknown[] }).data;
    expect(expected.length).toBeGreaterThan(20);
    for (const size of [1, 7, 4096]) {
      async function* chunks() {
        for (let i = 0; i < doc.length; i += size) yield doc.slice(i, i + size);
      }
      const result = { complete: false, found: false };
      const items: unknown[] = [];
      for await (const item of jsonArrayItems(chunks(), 'data', result)) items.push(JSON.parse(item));
      expect(items).toEqual(expected);
      expect(result).toEqual({ complete: true, found: true });
    }
  });

  it('summarize the same traffic from either format, and the same when traces are closed early (streaming)', async () => {
    const [otlp, jaeger, early] = await Promise.all([summarizeTraces({ files: [OTLP] }), summarizeTraces({ files: [JAEGER] }), summarizeTraces({ files: [OTLP], lingerSpans: 2_000 })]);
    expect(view(jaeger)).toEqual(view(otlp));
    expect(view(early)).toEqual(view(otlp));
    expect(otlp.files).toEqual([{ file: OTLP, format: 'otlp', statements: otlp.statements, traces: expect.any(Number), spans: expect.any(Number) }]);
    expect(otlp.files[0]!.traces).toBeGreaterThan(4_000);
  });
});

// ---------------------------------------------------------------- spans made with the SDK in the test

/** Spans from the SDK: an in-memory exporter behind a simple processor; each span ends where it is created. */
function recordSpans(build: (span: (name: string, kind: SpanKind, attributes: Attributes, parent?: Span) => Span) => void): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('trace-readers-test');
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const open: Span[] = [];
  build((name, kind, attributes, parent) => {
    const s = tracer.startSpan(name, { kind, attributes, startTime: clock++ }, parent ? trace.setSpan(context.active(), parent) : undefined);
    open.push(s);
    return s;
  });
  // Children end before their parents, as in a real request: the exporter gets them first.
  for (const s of open.reverse()) s.end(clock++);
  return exporter.getFinishedSpans();
}

const db = (statement: string, key: 'db.query.text' | 'db.statement' = 'db.statement', system = 'postgresql'): Attributes => ({ [key]: statement, [key === 'db.statement' ? 'db.system' : 'db.system.name']: system });

function shopSpans(): ReadableSpan[] {
  return recordSpans((span) => {
    // Current conventions (instrumentation-http 0.2xx) with an OpenAPI-style route, and a redis call beside SQL.
    const show = span('GET /users/{id}', SpanKind.SERVER, { 'http.request.method': 'GET', 'http.route': '/users/{id}', 'url.path': '/users/7' });
    const handler = span('request handler - /users/{id}', SpanKind.INTERNAL, {}, show);
    span('pg.query:SELECT shop', SpanKind.CLIENT, db('select * from "users" where "id" = $1', 'db.query.text'), handler);
    span('GET', SpanKind.CLIENT, db('GET session:7', 'db.statement', 'redis'), handler);
    // Older conventions (http.method, db.statement): a checkout in a transaction, then a read outside of it.
    const order = span('POST /orders', SpanKind.SERVER, { 'http.method': 'POST', 'http.route': '/orders', 'http.target': '/orders?x=1' });
    for (const sql of ['BEGIN', 'insert into orders (user_id) values ($1) returning id', 'insert into order_items (order_id, product_id) values ($1, $2)', 'COMMIT', 'select price from products where id = $1']) {
      span('pg.query', SpanKind.CLIENT, db(sql), order);
    }
    // A server span without http.route (no framework instrumentation): its statement ties to no route.
    const health = span('GET', SpanKind.SERVER, { 'http.request.method': 'GET', 'url.path': '/health' });
    span('pg.query', SpanKind.CLIENT, db('select value from settings where key = $1'), health);
    // A job: a database span with no server span above it.
    span('pg.query', SpanKind.CLIENT, db('update daily_sales set total = 0'));
  });
}

async function writeBoth(spans: ReadableSpan[], name: string): Promise<{ otlp: string; jaeger: string }> {
  // Two export batches, the children first: a trace's spans spread over lines, as a batch processor sends them.
  const half = Math.floor(spans.length / 2);
  const lines = [spans.slice(0, half), spans.slice(half)].map((batch) => Buffer.from(JsonTraceSerializer.serializeRequest(batch)!).toString('utf8'));
  const otlp = path.join(dir, `${name}.jsonl.gz`);
  const jaeger = path.join(dir, `${name}.json`);
  await writeFile(otlp, gzipSync(lines.join('\n') + '\n'));
  await writeFile(jaeger, JSON.stringify(toJaeger(spans, 'shop'), null, 2));
  return { otlp, jaeger };
}

describe('trace summary on spans made with the SDK', () => {
  it('routes from http.route (either convention), statements from db.query.text or db.statement, transactions from BEGIN..COMMIT', async () => {
    const files = await writeBoth(shopSpans(), 'shop');
    const otlp = await summarizeTraces({ files: [files.otlp] });
    const jaeger = await summarizeTraces({ files: [files.jaeger] });
    expect(view(jaeger)).toEqual(view(otlp));
    expect(otlp.statements).toBe(8); // SQL spans: the redis one is not a statement
    expect(otlp.requests).toEqual([
      { route: 'GET /users/:id', tables: ['users'], written: [], count: 1 },
      { route: 'POST /orders', tables: ['order_items', 'orders', 'products'], written: ['order_items', 'orders'], count: 1 },
    ]);
    expect(otlp.transactions).toEqual([
      { tables: ['daily_sales'], written: ['daily_sales'], count: 1 },
      { tables: ['order_items', 'orders'], written: ['order_items', 'orders'], count: 1 },
      { tables: ['products'], written: [], count: 1 },
      { tables: ['settings'], written: [], count: 1 },
      { tables: ['users'], written: [], count: 1 },
    ]);
    const users = otlp.shapes.find((x) => x.access.tables.includes('users'))!;
    expect(users.routes).toEqual({ 'GET /users/:id': 1 });
    expect(otlp.shapes.find((x) => x.access.tables.includes('settings'))!.routes).toEqual({});
    expect(otlp.warnings).toEqual([
      '1 of 3 HTTP server span(s) have no http.route (e.g. GET /health): their 1 statement(s) count as traffic but tie to no route (routes are not guessed from URLs; an instrumentation of the web framework sets http.route)',
      '1 database span(s) belong to no HTTP server span (start-up, jobs, consumers): counted as traffic, tied to no route',
      '1 span(s) of databases that do not speak SQL (redis) left out',
    ]);
  });

  it('a statement the PostgreSQL parser rejects is counted, warned and left out', async () => {
    const spans = recordSpans((span) => {
      const server = span('POST /import', SpanKind.SERVER, { 'http.request.method': 'POST', 'http.route': '/import' });
      span('pg.query', SpanKind.CLIENT, db('selec * fro users', 'db.query.text'), server);
      span('pg.query', SpanKind.CLIENT, db('select 1 from users', 'db.query.text'), server);
    });
    const { otlp } = await writeBoth(spans, 'unparsed');
    const s = await summarizeTraces({ files: [otlp] });
    expect(s.statements).toBe(2);
    expect(s.unparsed.count).toBe(1);
    expect(s.unparsed.examples[0]!.sql).toBe('selec * fro users');
    expect(s.warnings).toContain('1 statement(s) of the traces could not be parsed and were left out (examples in unparsed.examples)');
    expect(s.requests).toEqual([{ route: 'POST /import', tables: ['users'], written: [], count: 1 }]);
  });

  it('joins the spans of a trace spread over several files (a rotated export)', async () => {
    const spans = shopSpans();
    const a = await writeBoth(spans.slice(0, 5), 'part-a');
    const b = await writeBoth(spans.slice(5), 'part-b');
    const whole = await writeBoth(spans, 'whole');
    const split = await summarizeTraces({ files: [a.otlp, b.otlp] });
    expect(view(split)).toEqual(view(await summarizeTraces({ files: [whole.otlp] })));
    expect(split.files.map((f) => f.spans)).toEqual([5, spans.length - 5]);
  });
});

describe('trace files: bad input', () => {
  const reject = async (file: string) => {
    const e = await summarizeTraces({ files: [OTLP, file] }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(UsageError);
    return (e as UsageError).oneLine();
  };

  it('a file that is neither format is one line naming it and the formats read (exit 2)', async () => {
    const log = path.join(SAMPLE_ROOT, 'logs/comments-off/postgresql.log.gz');
    const line = await reject(log);
    expect(line).toBe(
      `${log}: not a trace export — --traces reads OTLP/JSON (JSON lines of ExportTraceServiceRequest, as the OpenTelemetry collector's file exporter writes them) or a Jaeger JSON export ({"data":[{"traceID","spans","processes"}]}), plain or compressed`,
    );
    expect(line).not.toContain('\n');
    const json = path.join(dir, 'package.json');
    await writeFile(json, await readFile(path.join(SAMPLE_ROOT, '../../package.json')));
    expect(await reject(json)).toMatch(/package\.json: not a trace export/);
    expect(await reject(path.join(dir, 'missing.jsonl'))).toMatch(/missing\.jsonl: cannot read the trace file \(ENOENT\)/);
  });

  it('a truncated gzip is read up to the damage, with a warning', async () => {
    const full = await summarizeTraces({ files: [OTLP] });
    for (const file of [OTLP, JAEGER]) {
      const bytes = await readFile(file);
      const cut = path.join(dir, `cut-${path.basename(file)}`);
      await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
      const s = await summarizeTraces({ files: [cut] });
      expect(s.warnings.filter((w) => w.startsWith(cut))).toEqual([`${cut}: stopped early (unexpected end of file); read what came before`]);
      expect(s.statements).toBeGreaterThan(full.statements * 0.2);
      expect(s.statements).toBeLessThan(full.statements * 0.6);
      expect(s.skippedLines).toBe(0);
    }
  });

  it('a broken line among OTLP lines is skipped with its line number; spans without statements are no traffic', async () => {
    const spans = shopSpans();
    const good = Buffer.from(JsonTraceSerializer.serializeRequest(spans)!).toString('utf8');
    const file = path.join(dir, 'broken.jsonl');
    await writeFile(file, `${good}\n{"resourceSpans": [\n${good}\n`);
    const s = await summarizeTraces({ files: [file] });
    expect(s.skippedLines).toBe(1);
    expect(s.warnings).toContain(`${file}:2: not an OTLP/JSON export request, skipped`);
    expect(s.statements).toBe(16);
    const quiet = path.join(dir, 'quiet.jsonl');
    await writeFile(quiet, Buffer.from(JsonTraceSerializer.serializeRequest(recordSpans((span) => void span('GET', SpanKind.SERVER, { 'http.route': '/x' })))!));
    await expect(summarizeTraces({ files: [quiet] })).rejects.toThrow(/no database spans in 1 trace file\(s\)/);
  });
});
