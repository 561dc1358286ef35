import { describe, expect, it } from 'vitest';
import { clientResponseHeaders, nextTraceparent, upstreamRequestHeaders } from '../../../src/routing/forward-headers.ts';

describe('forwarded headers', () => {
  it('strips hop-by-hop headers (also those Connection names) and sets X-Forwarded-*', () => {
    const { headers, requestId } = upstreamRequestHeaders(
      { host: 'shop.example', connection: 'keep-alive, x-secret-hop', 'x-secret-hop': '1', 'keep-alive': 'timeout=5', te: 'trailers', 'proxy-authorization': 'x', 'x-forwarded-for': '203.0.113.9', accept: 'application/json', 'x-request-id': 'abc-1' },
      { clientAddress: '10.0.0.7', proto: 'http' },
    );
    expect(headers).toMatchObject({ accept: 'application/json', 'x-forwarded-for': '203.0.113.9, 10.0.0.7', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'shop.example', 'x-request-id': 'abc-1' });
    for (const h of ['connection', 'x-secret-hop', 'keep-alive', 'te', 'proxy-authorization', 'host']) expect(headers[h]).toBeUndefined();
    expect(requestId).toBe('abc-1');
  });

  it('creates a request id when none (or a bad one) is sent, and adds it to the answer', () => {
    const { requestId } = upstreamRequestHeaders({ 'x-request-id': 'bad id with spaces' }, { clientAddress: '::1', proto: 'http' });
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(clientResponseHeaders({ 'transfer-encoding': 'chunked', 'content-type': 'text/plain' }, requestId)).toEqual({ 'content-type': 'text/plain', 'x-request-id': requestId });
  });

  it('keeps the trace id of a valid traceparent with a new parent id, and starts a trace otherwise', () => {
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const next = nextTraceparent(incoming);
    expect(next).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(next).not.toBe(incoming);
    for (const bad of [undefined, 'garbage', '00-00000000000000000000000000000000-b7ad6b7169203331-01', 'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01']) {
      expect(nextTraceparent(bad)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    }
  });
});
