/**
 * `strangler route export --format haproxy` run in Debian's real HAProxy, in front of real upstreams on loopback:
 * `haproxy -c` accepts it; the hashed bucket keeps each user on one side over many requests (by header, cookie
 * or a JWT's `sub`, whatever the token), puts a share near the percentage on the service, and a growing
 * percentage only moves users to the service; shadow routes stay on the monolith (HAProxy cannot mirror, and
 * the export says so); a service that keeps answering 500 is marked down and its users go to the monolith.
 */
import { execa, type ResultPromise } from 'execa';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemBinary } from '../../harness/system-binary.ts';
import { gatewayClient, type GatewayClient } from '../../harness/side-server.ts';
import { until } from '../../harness/until.ts';
import { gatewayFixture, jwt, shareOf, sidesOf, users, type GatewayFixture } from './gateway-fixture.ts';

let haproxy: string;
let fx: GatewayFixture;
let client: GatewayClient;
let running: ResultPromise | undefined;
let warnings: string[];
const cfg = () => path.join(fx.dir, 'haproxy.cfg');

async function startHaproxy(): Promise<void> {
  const proc = execa(haproxy, ['-db', '-f', cfg()], { reject: false, stdin: 'ignore' });
  running = proc;
  let exited: string | undefined;
  void proc.then((r) => (exited = `haproxy exited ${r.exitCode}: ${String(r.stderr)}`));
  await until('haproxy to answer', async () => {
    if (exited) throw new Error(exited);
    return client.send('/probe').then(
      (a) => a.side === 'monolith',
      () => false,
    );
  }, 30_000);
}

async function stopHaproxy(): Promise<void> {
  if (!running) return;
  running.kill('SIGTERM');
  await running;
  running = undefined;
}

beforeAll(async () => {
  haproxy = await systemBinary('haproxy');
  fx = await gatewayFixture('haproxy-export-');
  client = gatewayClient(`http://127.0.0.1:${fx.port}`);
  warnings = (await fx.exportAt(30, 'haproxy', cfg())).warnings;
});

afterAll(async () => {
  await stopHaproxy();
  await client?.close();
  await fx?.close();
});

describe('route export --format haproxy in a real HAProxy', () => {
  it('is accepted by haproxy -c', async () => {
    const c = await execa(haproxy, ['-c', '-f', cfg()], { reject: false, all: true });
    expect(c.exitCode, String(c.all)).toBe(0);
    expect(String(c.all)).toMatch(/Configuration file is valid/);
  });

  it('keeps each user on one side by header, cookie or JWT sub, near the percentage, and only moves users forward', async () => {
    await startHaproxy();
    const ids = users(3000);
    const first = await sidesOf(client, ids);
    expect(new Set(first)).toEqual(new Set(['catalog', 'monolith']));
    expect(Math.abs(shareOf(first, 'catalog') - 0.3)).toBeLessThanOrEqual(0.02);
    const some = ids.slice(0, 300);
    for (let round = 0; round < 5; round++) expect(await sidesOf(client, some)).toEqual(first.slice(0, 300));
    // the key is the user, not where it was read: a cookie or a JWT's sub (in tokens that differ) lands alike
    expect(await sidesOf(client, some, 'cookie')).toEqual(first.slice(0, 300));
    expect(await sidesOf(client, some, { bearer: (id) => jwt({ sub: id, iat: 1 }) })).toEqual(first.slice(0, 300));
    expect(await sidesOf(client, some, { bearer: (id) => jwt({ sub: id, iat: 2, scope: 'cart' }) })).toEqual(first.slice(0, 300));

    expect((await client.send('/orders/7', { headers: { 'x-user-id': 'user-1' } })).side).toBe('monolith');
    const onService = ids.filter((_, i) => first[i] === 'catalog');
    const post = await client.map(onService.slice(0, 50), (id) => client.send('/products/42', { method: 'POST', headers: { 'x-user-id': id } }));
    expect(new Set(post.map((a) => a.side))).toEqual(new Set(['monolith']));

    await stopHaproxy();
    await fx.exportAt(50, 'haproxy', cfg());
    await startHaproxy();
    const later = await sidesOf(client, ids);
    expect(Math.abs(shareOf(later, 'catalog') - 0.5)).toBeLessThanOrEqual(0.02);
    expect(ids.filter((_, i) => first[i] === 'catalog' && later[i] !== 'catalog')).toEqual([]);
  });

  it('keeps shadow routes on the monolith and says that HAProxy cannot mirror them', async () => {
    if (!running) await startHaproxy();
    expect(warnings.join('\n')).toMatch(/HAProxy cannot mirror requests .*cart's shadow routes are exported as monolith-only/);
    const before = fx.cart.requests.length;
    const answers = await client.map(users(20), (id) => client.send('/cart', { headers: { 'x-user-id': id, 'x-request-id': `r-${id}` } }));
    expect(answers.map((a) => `${a.status} ${a.side}`)).toEqual(Array(20).fill('200 monolith'));
    expect(fx.cart.requests.length).toBe(before);
    const seen = fx.monolith.requests.at(-1)!;
    expect(seen.headers['x-request-id']).toMatch(/^r-user-/);
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-port']).toBe(String(fx.port));
    const fresh = await client.send('/orders/1');
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('marks a service that keeps failing down and sends its users to the monolith', async () => {
    if (!running) await startHaproxy();
    const onService = users(3000).slice(0, 400);
    const sides = await sidesOf(client, onService);
    const serviceUsers = onService.filter((_, i) => sides[i] === 'catalog');
    expect(serviceUsers.length).toBeGreaterThan(50);
    fx.catalog.failWith(500);
    await until('HAProxy to take the failing catalog service out', async () => {
      const a = await client.send('/products/42', { headers: { 'x-user-id': serviceUsers[0]! } });
      return a.side === 'monolith';
    }, 30_000, 20);
    const after = await client.map(serviceUsers, (id) => client.send('/products/42', { headers: { 'x-user-id': id } }));
    expect(after.map((a) => `${a.status} ${a.side}`)).toEqual(Array(serviceUsers.length).fill('200 monolith'));
    fx.catalog.failWith(200);
  });
});
