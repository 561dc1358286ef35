/**
 * Headers on the way through the proxy (pure): hop-by-hop headers stripped both ways, X-Forwarded-For/Proto/Host
 * set, a request id and a W3C traceparent propagated (a new span id for the proxy's hop) or created.
 */
import { randomFillSync, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** RFC 9110 §7.6.1 connection-specific headers, plus the legacy ones proxies drop. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'http2-settings']);

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export interface ForwardContext {
  clientAddress: string;
  /** `http` or `https`, as the client spoke to the proxy. */
  proto: string;
}

/** Names listed in the Connection header are hop-by-hop too. */
function connectionTokens(headers: IncomingHttpHeaders): Set<string> | undefined {
  const c = headers.connection;
  if (!c || c === 'keep-alive' || c === 'close') return undefined;
  return new Set(String(c).toLowerCase().split(',').map((s) => s.trim()).filter(Boolean));
}

// Random hex from a refilled pool: one getrandom call per 512 ids instead of one per id.
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
function randomHex(bytes: number): string {
  if (poolAt + bytes > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += bytes;
  return pool.toString('hex', poolAt - bytes, poolAt);
}

function newSpanId(): string {
  return randomHex(8);
}

/** A traceparent for the upstream hop: the client's trace with a new parent id, or a new sampled trace. */
export function nextTraceparent(incoming: string | undefined): string {
  const m = incoming ? TRACEPARENT.exec(incoming.trim()) : null;
  if (m && m[1] !== 'ff' && !/^0+$/.test(m[2]!) && !/^0+$/.test(m[3]!)) return `${m[1]}-${m[2]}-${newSpanId()}-${m[4]}`;
  return `00-${randomHex(16)}-${newSpanId()}-01`;
}

const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/** The headers sent upstream; `requestId` is the id used (the client's when it sent a sane one). */
export function upstreamRequestHeaders(headers: IncomingHttpHeaders, f: ForwardContext): { headers: Record<string, string | string[]>; requestId: string } {
  const extra = connectionTokens(headers);
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || name === 'host' || extra?.has(name)) continue;
    const v = headers[name];
    if (v !== undefined) out[name] = v;
  }
  const prior = headers['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${f.clientAddress}` : f.clientAddress;
  out['x-forwarded-proto'] = f.proto;
  if (headers.host) out['x-forwarded-host'] = headers.host;
  const rid = headers['x-request-id'];
  const requestId = typeof rid === 'string' && REQUEST_ID.test(rid) ? rid : randomUUID();
  out['x-request-id'] = requestId;
  out.traceparent = nextTraceparent(typeof headers.traceparent === 'string' ? headers.traceparent : undefined);
  return { headers: out, requestId };
}

/** The upstream's answer headers minus hop-by-hop ones, with the request id. */
export function clientResponseHeaders(headers: IncomingHttpHeaders, requestId: string): OutgoingHttpHeaders {
  const extra = connectionTokens(headers);
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || extra?.has(name)) continue;
    const v = headers[name];
    if (v !== undefined) out[name] = v;
  }
  if (!out['x-request-id']) out['x-request-id'] = requestId;
  return out;
}
