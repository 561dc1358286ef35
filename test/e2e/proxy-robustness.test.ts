/**
 * strangler proxy under reloads and bad input, between real loopback servers that misbehave on request: 1,000
 * requests in flight across a config change all complete, an invalid change keeps the old table, and malformed
 * requests, oversized heads, slow clients, clients leaving mid-body and hanging or resetting upstreams get clear
 * answers with bounded sockets while the proxy keeps serving. Bodies stream both ways, upgrades pass through.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type RunningProxy } from '../../src/routing/proxy-runtime.ts';
import type { ProxyStatus } from '../../src/routing/proxy-status.ts';
import { startBadUpstream, totalHits } from '../harness/http-upstreams.ts';
import { until } from '../harness/until.ts';

type Bad = Awaited<ReturnType<typeof startBadUpstream>>;
let monolith: Bad;
let service: Bad;
let proxy: RunningProxy;
let dir: string;
const file = () => path.join(dir, 'strangler.yaml');
const agent = new Agent({ connections: 1100, pipelining: 1 });

function yamlOf(percent: unknown, routes = "['GET /slow', 'ANY /upload']"): string {
  return `monolith:
  url: ${monolith.url}
proxy:
  listen: 127.0.0.1:0
  admin: 127.0.0.1:0
  headersTimeoutMs: 1000
  requestTimeoutMs: 4000
  monolithTimeoutMs: 1500
  upstreamConnections: 64
contexts:
  slowctx:
    phase: canary
    routes: ${routes}
    service: { url: ${service.url} }
    routing: { percent: ${percent}, guardrails: { maxP99Ratio: 1000, p99SlackMs: 60000 } }
`;
}

const status = async () => (await (await fetch(`${proxy.adminUrl}/status`)).json()) as ProxyStatus;
const metric = async (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(await (await fetch(`${proxy.adminUrl}/metrics`)).text())?.[1]);

/** Writes raw bytes to the proxy and returns everything it answers until it closes the connection. */
function raw(bytes: string | Buffer, endAfterMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    const { port } = new URL(proxy.url);
    const s = net.connect(Number(port), '127.0.0.1');
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => resolve(out));
    s.write(bytes);
    setTimeout(() => s.destroy(), endAfterMs).unref();
  });
}

async function servesStill(): Promise<void> {
  const r = await request(`${proxy.url}/anything`, { dispatcher: agent });
  expect(r.statusCode).toBe(200);
  expect(await r.body.json()).toMatchObject({ from: 'monolith' });
}

beforeAll(async () => {
  monolith = await startBadUpstream('monolith');
  service = await startBadUpstream('service');
  dir = await mkdtemp(path.join(os.tmpdir(), 'proxy-bad-'));
  await writeFile(file(), yamlOf(50));
  proxy = await startProxy({ configFile: file() });
});

afterAll(async () => {
  await proxy?.close(1000);
  await Promise.all([monolith?.close(), service?.close()]);
  await agent.close();
});

describe('strangler proxy reloads', () => {
  it('completes 1,000 requests in flight across a change of strangler.yaml, with at most 64 connections per upstream', async () => {
    const loadedAt = (await status()).configLoadedAt;
    let done = 0;
    const inFlight = Array.from({ length: 1000 }, (_, i) =>
      request(`${proxy.url}/slow?ms=300`, { headers: { 'x-user-id': `u${i}` }, dispatcher: agent }).then(async (r) => {
        const body = (await r.body.json()) as { from: string };
        done++;
        return { status: r.statusCode, body };
      }),
    );
    await until('upstreams to see the first requests', () => totalHits(monolith) + totalHits(service) >= 100, 30_000, 10);
    await writeFile(file(), yamlOf(70));
    await until('the proxy to reload strangler.yaml', async () => (await status()).configLoadedAt !== loadedAt, 30_000);
    expect(done).toBeLessThan(1000); // the change landed while requests were still in flight
    const answers = await Promise.all(inFlight);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(answers.filter((a) => a.body.from === 'service').length).toBeGreaterThan(0);
    expect((await status()).contexts.slowctx!.desired).toEqual({ phase: 'canary', percent: 70 });
    expect(monolith.connections.max).toBeLessThanOrEqual(64);
    expect(service.connections.max).toBeLessThanOrEqual(64);
  });

  it('rejects an invalid change with one clear line, keeps the last good table, and takes the next good one', async () => {
    const loadedAt = (await status()).configLoadedAt;
    await writeFile(file(), yamlOf(150));
    await until('the reload to be rejected', async () => (await status()).lastReloadError !== undefined, 30_000);
    let s = await status();
    expect(s.lastReloadError).toMatch(/strangler\.yaml:\d+:\d+: contexts\.slowctx\.routing\.percent: .*100/);
    expect(s.lastReloadError!.split('\n')).toHaveLength(1);
    expect(s.configLoadedAt).toBe(loadedAt);
    expect(s.contexts.slowctx!.desired).toEqual({ phase: 'canary', percent: 70 });

    await writeFile(file(), yamlOf(70, "['GET /slow/*/x']"));
    await until('the bad pattern to be rejected', async () => /"\*" may only end a path/.test((await status()).lastReloadError ?? ''), 30_000);
    const r = await request(`${proxy.url}/slow?ms=1`, { headers: { 'x-user-id': 'u1' }, dispatcher: agent });
    expect(r.statusCode).toBe(200);
    expect(r.headers['x-strangler-upstream']).toMatch(/^(monolith|service)$/);
    await r.body.dump();

    await writeFile(file(), yamlOf(80));
    await until('the good file to be applied', async () => (await status()).contexts.slowctx!.desired.percent === 80, 30_000);
    s = await status();
    expect(s.lastReloadError).toBeUndefined();
    expect(s.configLoadedAt).not.toBe(loadedAt);
  });
});

describe('strangler proxy on bad input', () => {
  it('answers a malformed request with 400 and a 64 kB head with 431', async () => {
    expect(await raw('THIS IS NOT HTTP\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*malformed request/);
    expect(await raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
    await servesStill();
  });

  it('closes slowloris connections that never finish their head', async () => {
    const { port } = new URL(proxy.url);
    const closed: boolean[] = [];
    const sockets = Array.from({ length: 30 }, (_, i) => {
      const s = net.connect(Number(port), '127.0.0.1');
      closed[i] = false;
      s.on('error', () => {});
      s.on('close', () => (closed[i] = true));
      s.write('GET /slow HTTP/1.1\r\nHost: x\r\n');
      const drip = setInterval(() => s.writable && s.write(`X-Drip-${Date.now()}: 1\r\n`), 200);
      s.on('close', () => clearInterval(drip));
      return s;
    });
    await until('the proxy to close every slow client', () => closed.every(Boolean), 20_000);
    for (const s of sockets) s.destroy();
    expect(await metric('strangler_proxy_client_errors_total\\{kind="timeout"\\}')).toBeGreaterThanOrEqual(30);
    await servesStill();
  });

  it('streams an upload to the upstream before it has all arrived, and passes on a client leaving mid-body', async () => {
    const mb = Buffer.alloc(1024 * 1024, 'x');
    const { port } = new URL(proxy.url);
    const before = monolith.received.bytes;
    const s = net.connect(Number(port), '127.0.0.1');
    s.on('error', () => {});
    s.write(`POST /upload HTTP/1.1\r\nHost: x\r\nX-User-Id: stays-on-monolith\r\nContent-Length: ${10 * mb.length}\r\n\r\n`);
    s.write(mb);
    s.write(mb);
    const target = () => monolith.received.bytes - before + service.received.bytes;
    await until('the first megabytes to reach an upstream while the client still sends', () => target() >= mb.length, 20_000, 10);
    s.destroy();
    await until('the upstream to see the aborted upload', () => [...monolith.uploads, ...service.uploads].some((n) => n < 0), 20_000);
    await until('no request left in flight', async () => (await metric('strangler_proxy_in_flight_requests')) === 0, 20_000);
    await servesStill();
  });

  it('streams an answer to the client before the upstream has finished it', async () => {
    const r = await request(`${proxy.url}/stream`, { dispatcher: agent });
    const it = r.body[Symbol.asyncIterator]();
    const first = await it.next();
    expect(Buffer.from(first.value as Buffer).toString()).toBe('first chunk\n');
    monolith.release();
    let rest = '';
    for (let n = await it.next(); !n.done; n = await it.next()) rest += Buffer.from(n.value as Buffer).toString();
    expect(rest).toBe('last chunk\n');
  });

  it('answers 504 for a hanging upstream and 502 for one that resets, with the request id', async () => {
    const hang = await request(`${proxy.url}/hang`, { headers: { 'x-request-id': 'req-hang-1' }, dispatcher: agent });
    expect(hang.statusCode).toBe(504);
    expect(await hang.body.json()).toMatchObject({ error: expect.stringMatching(/the monolith did not answer \(timeout/), requestId: 'req-hang-1' });
    const reset = await request(`${proxy.url}/reset`, { dispatcher: agent });
    expect(reset.statusCode).toBe(502);
    expect(await reset.body.json()).toMatchObject({ error: expect.stringMatching(/the monolith did not answer \(reset/) });
    await servesStill();
  });

  it('passes a connection upgrade through to the monolith', async () => {
    const { port } = new URL(proxy.url);
    const s = net.connect(Number(port), '127.0.0.1');
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
    await until('the 101 answer', () => got.includes('\r\n\r\n'), 10_000, 10);
    expect(got).toMatch(/^HTTP\/1\.1 101 Switching Protocols/);
    expect(got).toMatch(/X-Seen-Forwarded-For: 127\.0\.0\.1/);
    got = '';
    s.write('ping through the proxy');
    await until('the echo', () => got === 'ping through the proxy', 10_000, 10);
    s.destroy();
  });
});
