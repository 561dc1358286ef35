/**
 * `strangler route export --format nginx` run in Debian's real nginx, in front of real upstreams on loopback:
 * `nginx -t` accepts it; the sticky split keeps each user on one side over many requests, puts a share near the
 * percentage on the service, and raising the percentage only moves users to the service; shadow mirrors the
 * context's safe methods to the service while the client gets the monolith's answer; X-Forwarded-* and the
 * request id reach the upstreams; a service answering 502 is retried on the monolith (its backup).
 */
import { execa, type ResultPromise } from 'execa';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemBinary } from '../../harness/system-binary.ts';
import { gatewayClient, type GatewayClient } from '../../harness/side-server.ts';
import { until } from '../../harness/until.ts';
import { gatewayFixture, jwt, shareOf, sidesOf, users, type GatewayFixture } from './gateway-fixture.ts';

let nginx: string;
let fx: GatewayFixture;
let client: GatewayClient;
let running: ResultPromise | undefined;
let mainConf: string;
const exported = () => path.join(fx.dir, 'conf.d', 'strangler.conf');

async function writeMainConf(): Promise<void> {
  mainConf = path.join(fx.dir, 'nginx.conf');
  await mkdir(path.join(fx.dir, 'logs'), { recursive: true });
  await writeFile(mainConf, `daemon off;
worker_processes 1;
pid ${fx.dir}/nginx.pid;
error_log ${fx.dir}/logs/error.log warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path ${fx.dir}/body;
    proxy_temp_path ${fx.dir}/proxy;
    include ${exported()};
}
`);
}

async function startNginx(): Promise<void> {
  const proc = execa(nginx, ['-c', mainConf, '-p', fx.dir], { reject: false, stdin: 'ignore' });
  running = proc;
  let exited: string | undefined;
  void proc.then((r) => (exited = `nginx exited ${r.exitCode}: ${String(r.stderr)}`));
  await until('nginx to answer', async () => {
    if (exited) throw new Error(exited);
    return client.send('/healthz-probe').then(
      (a) => a.side === 'monolith',
      () => false,
    );
  }, 30_000);
}

async function stopNginx(): Promise<void> {
  if (!running) return;
  running.kill('SIGTERM');
  await running;
  running = undefined;
}

beforeAll(async () => {
  nginx = await systemBinary('nginx');
  fx = await gatewayFixture('nginx-export-');
  client = gatewayClient(`http://127.0.0.1:${fx.port}`);
  await fx.exportAt(30, 'nginx', exported());
  await writeMainConf();
});

afterAll(async () => {
  await stopNginx();
  await client?.close();
  await fx?.close();
});

describe('route export --format nginx in a real nginx', () => {
  it('is accepted by nginx -t', async () => {
    const t = await execa(nginx, ['-t', '-c', mainConf, '-p', fx.dir], { reject: false });
    expect(t.exitCode, String(t.stderr)).toBe(0);
    expect(String(t.stderr)).toMatch(/test is successful/);
  });

  it('keeps each user on one side, with a share near the percentage, and only moves users forward when it grows', async () => {
    await startNginx();
    const ids = users(3000);
    const first = await sidesOf(client, ids);
    expect(new Set(first)).toEqual(new Set(['catalog', 'monolith']));
    expect(Math.abs(shareOf(first, 'catalog') - 0.3)).toBeLessThanOrEqual(0.02);
    // the same key, again and again: the same side
    const some = ids.slice(0, 300);
    for (let round = 0; round < 5; round++) expect(await sidesOf(client, some)).toEqual(first.slice(0, 300));
    // a cookie key is sticky too, and a bearer token's claims when neither is present
    const byCookie = await sidesOf(client, users(300, 'cookie'), 'cookie');
    expect(await sidesOf(client, users(300, 'cookie'), 'cookie')).toEqual(byCookie);
    expect(new Set(byCookie).size).toBe(2);
    const bearer = { bearer: (id: string) => jwt({ sub: id }) };
    expect(await sidesOf(client, users(200, 'jwt'), bearer)).toEqual(await sidesOf(client, users(200, 'jwt'), bearer));

    // routes the context does not own, and methods its routes do not name, stay on the monolith
    expect((await client.send('/orders/7', { headers: { 'x-user-id': 'user-1' } })).side).toBe('monolith');
    const onService = ids.filter((_, i) => first[i] === 'catalog');
    const post = await client.map(onService.slice(0, 50), (id) => client.send('/products/42', { method: 'POST', headers: { 'x-user-id': id } }));
    expect(new Set(post.map((a) => a.side))).toEqual(new Set(['monolith']));

    await stopNginx();
    await fx.exportAt(50, 'nginx', exported());
    await startNginx();
    const later = await sidesOf(client, ids);
    expect(Math.abs(shareOf(later, 'catalog') - 0.5)).toBeLessThanOrEqual(0.02);
    const movedBack = ids.filter((_, i) => first[i] === 'catalog' && later[i] !== 'catalog');
    expect(movedBack).toEqual([]);
  });

  it('mirrors shadow GETs to the service while the client gets the monolith, and never mirrors a POST', async () => {
    if (!running) await startNginx();
    const before = fx.cart.requests.length;
    // POST /cart/items is a shadow route that does not mirror POST; POST /cart shares GET /cart's mirrored location
    const posts = await client.map([...users(5).map((id) => ['/cart/items', id]), ...users(5).map((id) => ['/cart', id])], ([p, id]) => client.send(p!, { method: 'POST', headers: { 'x-user-id': id! } }));
    const gets = await client.map(users(20), (id) => client.send('/cart', { headers: { 'x-user-id': id, 'x-request-id': `req-${id}` } }));
    expect([...posts, ...gets].map((a) => `${a.status} ${a.side}`)).toEqual(Array(30).fill('200 monolith'));
    await until('the 20 mirrored GETs to reach the cart service', () => fx.cart.requests.slice(before).filter((r) => r.method === 'GET').length >= 20, 30_000);
    const mirrored = fx.cart.requests.slice(before);
    expect(mirrored.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(mirrored.every((r) => r.url === '/cart')).toBe(true);
    expect(new Set(mirrored.map((r) => r.headers['x-request-id']))).toEqual(new Set(users(20).map((id) => `req-${id}`)));
    expect(mirrored[0]!.headers['x-forwarded-for']).toBe('127.0.0.1');
    // the request id is created when the client sends none, and answered back
    const fresh = await client.send('/orders/1');
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    const seen = fx.monolith.requests.at(-1)!;
    expect(seen.headers['x-request-id']).toBe(fresh.headers['x-request-id']);
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-port']).toBe(String(fx.port));
  });

  it('retries a failed idempotent request to the service on the monolith, so the client sees no 5xx', async () => {
    if (!running) await startNginx();
    const ids = users(400);
    const sides = await sidesOf(client, ids);
    const serviceUsers = ids.filter((_, i) => sides[i] === 'catalog');
    expect(serviceUsers.length).toBeGreaterThan(50);
    fx.catalog.failWith(502);
    const before = fx.catalog.requests.length;
    const answers = await client.map(serviceUsers, (id) => client.send('/products/42', { headers: { 'x-user-id': id } }), 4);
    expect(answers.map((a) => `${a.status} ${a.side}`)).toEqual(Array(serviceUsers.length).fill('200 monolith'));
    // the service was tried (and then taken out for fail_timeout), not skipped
    expect(fx.catalog.requests.length).toBeGreaterThan(before);
    fx.catalog.failWith(200);
  });
});
