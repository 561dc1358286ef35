/**
 * `strangler status` on real parts: a monolith and a service database on the harness PostgreSQL with the sync
 * state the real sync engine writes (run through `sync start`, which holds its run), a service database that does
 * not answer, verify-parity storing its result, and the proxy's admin /status from a real loopback HTTP server.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStatus } from '../../../src/commands/status.ts';
import { runSyncStart } from '../../../src/commands/sync.ts';
import { runVerifyParity } from '../../../src/commands/verify-parity.ts';
import { readParityVerdict } from '../../../src/routing/parity-verdict.ts';
import type { SyncEvent } from '../../../src/sync/sync-events.ts';
import { createTestDatabase, queryOnce } from '../../harness/databases.ts';
import { freePort } from '../../harness/postgres-server.ts';
import { proxyContext, proxyStatus, startProxyAdmin, type ProxyAdminServer } from '../../harness/proxy-admin.ts';
import { until } from '../../harness/until.ts';

const dbs: { drop(): Promise<void> }[] = [];
let admin: ProxyAdminServer;
let configFile: string;
let deadPort: number;
let monolithUrl: string;
let serviceUrl: string;
const slot = `strangler_status_${process.pid}`;

beforeAll(async () => {
  const monolith = await createTestDatabase('status_mono');
  const service = await createTestDatabase('status_svc');
  dbs.push(monolith, service);
  monolithUrl = monolith.url;
  serviceUrl = service.url;
  await queryOnce(monolith.url, `CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL); INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 200) g`);
  admin = await startProxyAdmin(proxyStatus({ catalog: proxyContext({ requests: { monolith: 40, service: 0 }, shadow: { compared: 40, mismatches: 0 } }) }));
  deadPort = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'status-'));
  configFile = path.join(dir, 'strangler.yaml');
  await writeFile(configFile, `version: 1
monolith:
  database: ${monolith.url}
proxy:
  admin: ${admin.address}
contexts:
  catalog:
    phase: shadow
    tables: [items]
    routes: [GET /items]
    sync: { slot: ${slot}, publication: ${slot}, lingerMs: 0 }
    service:
      database: ${service.url}
      url: http://127.0.0.1:${deadPort}
  cart:
    phase: syncing
    tables: [carts]
    service:
      database: postgres://postgres@127.0.0.1:${deadPort}/cart
`);
});
afterAll(async () => {
  await admin?.close();
  for (const d of dbs) await d.drop().catch(() => {});
});

describe('strangler status on real parts', () => {
  it('reads sync state, the live run, stored parity and the proxy, and names the database it could not reach', async () => {
    const controller = new AbortController();
    const events: SyncEvent[] = [];
    const sync = runSyncStart({ domain: 'catalog', configFile, signal: controller.signal, onEvent: (e) => events.push(e) });
    let failed: unknown;
    sync.catch((e) => (failed = e));
    await until('sync to stream', () => failed !== undefined || events.some((e) => e.type === 'streaming'));
    expect(failed).toBeUndefined();
    await queryOnce(monolithUrl, `INSERT INTO items (name) VALUES ('late')`);
    await until('the late row in the service', async () => (await queryOnce(serviceUrl, `SELECT count(*)::int AS n FROM items`)).rows[0].n === 201);

    const live = await runStatus({ configFile });
    const catalog = live.contexts.find((c) => c.domain === 'catalog')!;
    expect(catalog.sync.forward).toMatchObject({ state: 'streaming', runningPid: process.pid, slot: { name: slot, state: 'active' } });
    expect(catalog.sync.forward.rowsApplied).toBeGreaterThanOrEqual(1);
    expect(catalog.sync.forward.lastAppliedPosition).toMatch(/^[0-9A-F]+\/[0-9A-F]+#\d+$/);
    expect(catalog.sync.reverse).toBeUndefined();
    expect(catalog.traffic).toMatchObject({ effective: { phase: 'shadow' }, requests: { monolith: 40, service: 0 }, shadow: { compared: 40 }, errorRate: { monolith: 0, service: null } });
    expect(catalog.parity.state).toBe('missing');
    expect(catalog.nextStep).toBe('run strangler verify-parity catalog --api, then strangler route shift catalog --to 10');
    expect(catalog.unreachable).toEqual([]);

    const cart = live.contexts.find((c) => c.domain === 'cart')!;
    expect(cart.sync.forward.state).toBe('unknown');
    expect(cart.unreachable).toEqual(['service database']);
    expect(cart.nextStep).toBe('bring the service database of cart back (see unreachable), then run strangler status cart again');
    expect(live.unreachable).toEqual([{ part: 'service database', where: `postgres://postgres@127.0.0.1:${deadPort}/cart`, error: expect.stringMatching(/^cannot connect: .*ECONNREFUSED/), contexts: ['cart'] }]);
    expect(live.proxy).toMatchObject({ admin: admin.address, reachable: true });

    // verify-parity stores its result; status shows it and moves on to the API check
    const parity = await runVerifyParity({ domain: 'catalog', configFile, waitSyncSeconds: 30 });
    expect(parity.pass).toBe(true);
    const stored = (await runStatus({ configFile, domain: 'catalog' })).contexts[0]!;
    expect(stored.parity).toMatchObject({ state: 'stored', verdict: 'pass', checks: { data: true, api: false }, counts: { data: { tables: 1, missing: 0, extra: 0, changed: 0 } }, file: parity.storedAt });

    // a failing check is stored too, and the route shift gate reads it as not green
    await queryOnce(serviceUrl, `UPDATE items SET name = 'changed in the service' WHERE id = 1`);
    const failing = await runVerifyParity({ domain: 'catalog', configFile, waitSyncSeconds: 30 });
    expect(failing.pass).toBe(false);
    expect(await readParityVerdict(path.dirname(configFile), 'catalog')).toMatchObject({ verdict: 'fail' });
    const red = (await runStatus({ configFile, domain: 'catalog' })).contexts[0]!;
    expect(red.parity).toMatchObject({ state: 'stored', verdict: 'fail', counts: { data: { changed: 1 } } });
    expect(red.nextStep).toBe('fix the differences of the last parity result (1 data difference(s) in 1 table(s) (allowed: 0)), then run strangler verify-parity catalog --api');

    controller.abort();
    await sync;
    const stopped = (await runStatus({ configFile, domain: 'catalog' })).contexts[0]!;
    expect(stopped.sync.forward).toMatchObject({ state: 'stopped', runningPid: null, slot: { state: 'inactive' } });
    expect(stopped.nextStep).toBe('run strangler sync start catalog --detach');
  });

  it('shows the automatic rollback and error rates the proxy reports, and says when the proxy is not there', async () => {
    await writeFile(configFile, (await readFile(configFile, 'utf8')).replace('phase: shadow', 'phase: canary').replace('routes: [GET /items]', 'routes: [GET /items]\n    routing: { percent: 25, reason: read-only }'));
    admin.set(proxyStatus({
      catalog: proxyContext({
        desired: { phase: 'canary', percent: 25 },
        effective: { phase: 'shadow', percent: 0 },
        requests: { monolith: 300, service: 100 },
        errors5xx: { monolith: 3, service: 40 },
        rollbacks: [{ at: '2026-12-03T07:10:00Z', reason: 'service 5xx rate 40.0% over 30 s exceeds the monolith\'s 1.0% by more than 5%', from: { phase: 'canary', percent: 25 }, to: { phase: 'shadow', percent: 0 } }],
      }),
    }));
    const r = (await runStatus({ configFile, domain: 'catalog' })).contexts[0]!;
    expect(r.label).toBe('canary 25%');
    expect(r.traffic!.errorRate).toEqual({ monolith: 0.01, service: 0.4 });
    expect(r.traffic!.rollbacks).toHaveLength(1);
    // the stopped sync comes first; once it streams again, the rollback is the next thing to deal with
    expect(r.nextStep).toBe('run strangler sync start catalog --detach');
    const controller = new AbortController();
    const events: SyncEvent[] = [];
    const sync = runSyncStart({ domain: 'catalog', configFile, signal: controller.signal, onEvent: (e) => events.push(e) });
    try {
      await until('sync to stream again', () => events.some((e) => e.type === 'streaming'));
      const again = (await runStatus({ configFile, domain: 'catalog' })).contexts[0]!;
      expect(again.sync.forward.state).toBe('streaming');
      expect(again.nextStep).toBe("the proxy fell back from canary 25% to shadow (service 5xx rate 40.0% over 30 s exceeds the monolith's 1.0% by more than 5%): fix the service, then run strangler route rollback catalog so strangler.yaml agrees");
    } finally {
      controller.abort();
      await sync;
    }

    admin.set({ statusCode: 503, body: 'starting' });
    const answered503 = await runStatus({ configFile, domain: 'catalog' });
    expect(answered503.proxy).toEqual({ admin: admin.address, reachable: false, error: 'GET /status answered 503' });

    const elsewhere = await runStatus({ configFile, domain: 'catalog', proxyAdmin: `127.0.0.1:${deadPort}` });
    expect(elsewhere.proxy).toEqual({ admin: `127.0.0.1:${deadPort}`, reachable: false, error: 'not running' });
    expect(elsewhere.unreachable).toContainEqual({ part: 'proxy', where: `127.0.0.1:${deadPort}`, error: 'not running', contexts: ['catalog'] });
    expect(elsewhere.contexts[0]!.unreachable).toContain('proxy');
  });

  it('names a monolith database that does not answer once, for every context it concerns, and an unreadable parity file', async () => {
    const dir = path.dirname(configFile);
    const down = path.join(dir, 'monolith-down.yaml');
    await writeFile(down, (await readFile(configFile, 'utf8')).replace(monolithUrl, `postgres://app:secret@127.0.0.1:${deadPort}/shop`));
    await mkdir(path.join(dir, '.strangler', 'parity'), { recursive: true });
    await writeFile(path.join(dir, '.strangler', 'parity', 'cart.json'), '{"verdict": ');
    const r = await runStatus({ configFile: down });
    expect(r.unreachable).toContainEqual({ part: 'monolith database', where: `postgres://app:***@127.0.0.1:${deadPort}/shop`, error: expect.stringMatching(/^cannot connect: .*ECONNREFUSED/), contexts: ['catalog', 'cart'] });
    expect(r.unreachable).toContainEqual({ part: 'parity result', where: path.join(dir, '.strangler', 'parity', 'cart.json'), error: expect.stringMatching(/^not JSON/), contexts: ['cart'] });
    expect(JSON.stringify(r)).not.toContain('secret');
    const catalog = r.contexts.find((c) => c.domain === 'catalog')!;
    // the service database still answers: the sync's own state is read from it
    expect(catalog.sync.forward).toMatchObject({ state: 'stopped', slot: { state: 'unknown' } });
    expect(catalog.sync.forward.lastAppliedPosition).not.toBeNull();
    expect(catalog.unreachable).toEqual(['monolith database', 'proxy']); // the admin server still answers 503 from the test before
    expect(catalog.nextStep).toBe('bring the monolith database of catalog back (see unreachable), then run strangler status catalog again');
  });
});
