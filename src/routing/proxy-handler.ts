/**
 * One request through the proxy: which side answers it, forwarding with streamed bodies, the retry of a failed
 * idempotent service request on the monolith, and the shadow copy.
 *
 *   1. handleRequest   route table -> effective mode -> target (sticky split in canary) -> forward
 *   2. forward         undici request with the client's body streamed in, the answer streamed out
 *   3. answerService   the service, or the monolith when an idempotent bodiless request failed there
 *   4. answerShadow    the monolith answers; its answer is kept (up to a size) and the request queued for the service
 */
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { clientResponseHeaders, upstreamRequestHeaders } from './forward-headers.ts';
import type { ProxyMetrics, RouteLabels, Target } from './proxy-metrics.ts';
import type { ProxyView, Upstream } from './proxy-view.ts';
import { matchRoute, type RouteEntry } from './route-table.ts';
import type { RoutingState } from './routing-state.ts';
import type { ShadowMirror } from './shadow-mirror.ts';
import { onService, userKeyOf } from './sticky-split.ts';
import type { UpstreamPools } from './upstream-pools.ts';

export interface ProxyDeps {
  state: RoutingState;
  view: () => ProxyView;
  pools: UpstreamPools;
  metrics: ProxyMetrics;
  shadow: ShadowMirror;
  /** Told when a connection failure ejects a context's service. */
  onEjected?: (context: string, until: Date) => void;
}

const UNMATCHED: RouteLabels = { route: 'unmatched', context: '' };
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  headers: Record<string, string | string[]>;
  requestId: string;
  hasBody: boolean;
  labels: RouteLabels;
  signal: EventEmitter;
}

type Failure = { kind: 'timeout' | 'refused' | 'reset' | 'aborted'; status: number; message: string };

export function clientAddressOf(req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

// 1.
export function handleRequest(deps: ProxyDeps, req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const pathname = q < 0 ? url : url.slice(0, q);
  const method = req.method ?? 'GET';
  const entry = matchRoute(deps.state.table, method, pathname);
  const clientAddress = clientAddressOf(req);
  const { headers, requestId } = upstreamRequestHeaders(req.headers, { clientAddress, proto: 'encrypted' in req.socket ? 'https' : 'http' });
  // undici takes an EventEmitter as its abort signal: cheaper per request than an AbortController
  const abort = new EventEmitter();
  res.once('close', () => {
    deps.metrics.inFlight.dec();
    if (!res.writableFinished) {
      deps.metrics.clientError('aborted');
      abort.emit('abort');
    }
  });
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
  const x: Exchange = { req, res, path: url, headers, requestId, hasBody, labels: entry ? { route: entry.route.text, context: entry.context } : UNMATCHED, signal: abort };
  deps.metrics.inFlight.inc();
  const view = deps.view();
  const service = entry ? view.services.get(entry.context) : undefined;
  const effective = entry && service ? deps.state.effectiveOf(entry, Date.now()) : undefined;
  let run: Promise<void>;
  if (!entry || !service || !effective || effective.mode === 'monolith') run = answerPlain(deps, x, 'monolith', view.monolith, entry);
  else if (effective.mode === 'shadow') run = answerShadow(deps, x, entry, view.monolith, service);
  else if (effective.mode === 'service' || onService(entry.context, userKeyOf(req.headers, view.userKey, clientAddress), effective.percent)) run = answerService(deps, x, entry, view.monolith, service);
  else run = answerPlain(deps, x, 'monolith', view.monolith, entry);
  run.catch((e: unknown) => fail(x, 502, `proxy error: ${(e as Error).message}`));
}

function failureOf(e: unknown): Failure {
  const code = (e as { code?: string }).code ?? '';
  const message = (e as Error).message ?? String(e);
  if (code === 'UND_ERR_ABORTED' || (e as Error).name === 'AbortError') return { kind: 'aborted', status: 499, message };
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return { kind: 'timeout', status: 504, message };
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') return { kind: 'refused', status: 502, message };
  return { kind: 'reset', status: 502, message };
}

function fail(x: Exchange, status: number, message: string): void {
  if (x.res.headersSent || x.res.destroyed) {
    x.res.destroy();
    return;
  }
  const body = JSON.stringify({ error: message, requestId: x.requestId });
  x.res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-request-id': x.requestId });
  x.res.end(body);
}

// 2.
async function forward(deps: ProxyDeps, x: Exchange, up: Upstream, withBody: boolean): Promise<Dispatcher.ResponseData> {
  return deps.pools.get(up.origin).request({
    path: up.basePath ? `${up.basePath}${x.path}` : x.path,
    method: x.req.method as Dispatcher.HttpMethod,
    headers: x.headers,
    body: withBody ? x.req : undefined,
    headersTimeout: up.timeoutMs,
    bodyTimeout: up.timeoutMs,
    signal: x.signal,
  });
}

function streamAnswer(x: Exchange, target: Target, r: Dispatcher.ResponseData, onChunk?: (c: Buffer) => void, onEnd?: () => void): void {
  if (x.res.destroyed) {
    r.body.destroy();
    return;
  }
  const headers = clientResponseHeaders(r.headers, x.requestId);
  headers['x-strangler-upstream'] = target;
  x.res.writeHead(r.statusCode, headers);
  if (onChunk) r.body.on('data', onChunk);
  // pipe() rather than pipeline(): pipeline makes and aborts an AbortController per call (a DOMException with a
  // stack each time), a tenth of the proxy's CPU at saturation
  r.body.on('error', () => x.res.destroy());
  x.res.once('close', () => {
    if (!r.body.readableEnded) r.body.destroy();
  });
  if (onEnd) r.body.once('end', onEnd);
  r.body.pipe(x.res);
}

function recordAnswer(deps: ProxyDeps, x: Exchange, entry: RouteEntry | undefined, target: Target, started: number, status: number): void {
  const ms = performance.now() - started;
  deps.metrics.answered(x.labels, target, status, ms / 1000);
  if (entry) deps.state.recordAnswer(entry.context, target, Date.now(), ms, status);
}

function recordFailure(deps: ProxyDeps, x: Exchange, entry: RouteEntry | undefined, target: Target, started: number, f: Failure): void {
  if (f.kind === 'aborted') return;
  deps.metrics.upstreamError(x.labels.context, target, f.kind);
  recordAnswer(deps, x, entry, target, started, f.status);
  if (target === 'service' && entry && deps.state.eject(entry.context, Date.now())) {
    deps.metrics.ejected(entry.context);
    deps.onEjected?.(entry.context, new Date(deps.state.contexts.get(entry.context)!.ejectedUntil));
  }
}

/** Writes the answer head to the client and returns the client response for undici to stream the body into. */
function headTo(x: Exchange, target: Target, statusCode: number, headers: IncomingHttpHeaders): Writable {
  const h = clientResponseHeaders(headers, x.requestId);
  h['x-strangler-upstream'] = target;
  if (!x.res.destroyed) x.res.writeHead(statusCode, h);
  return x.res;
}

/** A sink for a failed service answer that the monolith will replace. */
const discard = () => new Writable({ write: (_c, _e, cb) => cb() });

/**
 * Streams the upstream's answer straight into the client response (undici's stream(): no intermediate Readable).
 * Returns 'retry' when `retryOn5xx` and the answer was a 5xx (its body discarded), 'done' otherwise.
 */
async function streamFrom(deps: ProxyDeps, x: Exchange, target: Target, up: Upstream, entry: RouteEntry | undefined, o: { withBody: boolean; retryOn5xx: boolean }): Promise<'done' | 'retry' | 'failed'> {
  const started = performance.now();
  let answered = false;
  let retry = false;
  try {
    await deps.pools.get(up.origin).stream({
      path: up.basePath ? `${up.basePath}${x.path}` : x.path,
      method: x.req.method as Dispatcher.HttpMethod,
      headers: x.headers,
      body: o.withBody ? x.req : undefined,
      headersTimeout: up.timeoutMs,
      bodyTimeout: up.timeoutMs,
      signal: x.signal,
    }, ({ statusCode, headers }) => {
      answered = true;
      recordAnswer(deps, x, entry, target, started, statusCode);
      if (o.retryOn5xx && statusCode >= 500) {
        retry = true;
        return discard();
      }
      return headTo(x, target, statusCode, headers);
    });
    return retry ? 'retry' : 'done';
  } catch (e) {
    if (answered && !retry) {
      x.res.destroy(); // failed mid-body: the client sees a cut answer, as from the upstream itself
      return 'done';
    }
    const f = failureOf(e);
    if (!answered) recordFailure(deps, x, entry, target, started, f);
    if (f.kind === 'aborted') return 'done';
    if (o.retryOn5xx) return 'retry';
    fail(x, f.status, `the ${target} did not answer (${f.kind}: ${f.message})`);
    return 'failed';
  }
}

async function answerPlain(deps: ProxyDeps, x: Exchange, target: Target, up: Upstream, entry: RouteEntry | undefined): Promise<void> {
  await streamFrom(deps, x, target, up, entry, { withBody: x.hasBody, retryOn5xx: false });
}

// 3.
async function answerService(deps: ProxyDeps, x: Exchange, entry: RouteEntry, monolith: Upstream, service: Upstream): Promise<void> {
  const retryable = IDEMPOTENT.has(x.req.method ?? '') && !x.hasBody;
  const outcome = await streamFrom(deps, x, 'service', service, entry, { withBody: x.hasBody, retryOn5xx: retryable });
  if (outcome !== 'retry' || x.res.destroyed) return;
  deps.metrics.retried(entry.context);
  return answerPlain(deps, x, 'monolith', monolith, entry);
}

// 4.
async function answerShadow(deps: ProxyDeps, x: Exchange, entry: RouteEntry, monolith: Upstream, service: Upstream & { shadowMethods: Set<string>; ignorePaths: string[]; floatTolerance: number }): Promise<void> {
  const method = x.req.method ?? 'GET';
  if (!service.shadowMethods.has(method) || x.hasBody) return answerPlain(deps, x, 'monolith', monolith, entry);
  const started = performance.now();
  let r: Dispatcher.ResponseData;
  try {
    r = await forward(deps, x, monolith, false);
  } catch (e) {
    const f = failureOf(e);
    recordFailure(deps, x, entry, 'monolith', started, f);
    if (f.kind !== 'aborted') fail(x, f.status, `the monolith did not answer (${f.kind}: ${f.message})`);
    return;
  }
  recordAnswer(deps, x, entry, 'monolith', started, r.statusCode);
  const cap = deps.shadow.maxBodyBytes;
  const chunks: Buffer[] = [];
  let size = 0;
  const keep = (c: Buffer) => {
    size += c.length;
    if (size <= cap) chunks.push(c);
  };
  const ct = r.headers['content-type'];
  streamAnswer(x, 'monolith', r, keep, () => {
    if (size > cap) return deps.metrics.shadowDrop(entry.context, 'too-large');
    deps.shadow.enqueue({
      context: entry.context,
      route: entry.route.text,
      method,
      path: x.path,
      servicePath: service.basePath ? `${service.basePath}${x.path}` : x.path,
      headers: x.headers,
      primary: { status: r.statusCode, contentType: String(Array.isArray(ct) ? ct[0] : ct ?? ''), body: Buffer.concat(chunks) },
      pool: deps.pools.get(service.origin),
      timeoutMs: service.timeoutMs,
      ignorePaths: service.ignorePaths,
      floatTolerance: service.floatTolerance,
    });
  });
}
