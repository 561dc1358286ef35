/**
 * What the nginx and HAProxy export tests share: a strangler.yaml with a canary context (catalog), a shadow context
 * (cart) and a monolith-only route, three real upstreams, the export itself, and the sticky-split measurements.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runRouteExport } from '../../../src/commands/route-export.ts';
import { freePort } from '../../harness/postgres-server.ts';
import { startSideServer, type GatewayClient, type SideServer } from '../../harness/side-server.ts';

export interface GatewayFixture {
  dir: string;
  configFile: string;
  port: number;
  monolith: SideServer;
  catalog: SideServer;
  cart: SideServer;
  /** Writes strangler.yaml with catalog at canary `percent`, exports `format` to `out`, returns the export. */
  exportAt(percent: number, format: 'nginx' | 'haproxy', out: string): Promise<Awaited<ReturnType<typeof runRouteExport>>>;
  close(): Promise<void>;
}

export async function gatewayFixture(prefix: string): Promise<GatewayFixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const [monolith, catalog, cart, port] = await Promise.all([startSideServer('monolith'), startSideServer('catalog'), startSideServer('cart'), freePort()]);
  const configFile = path.join(dir, 'strangler.yaml');
  return {
    dir,
    configFile,
    port,
    monolith,
    catalog,
    cart,
    async exportAt(percent, format, out) {
      await writeFile(configFile, `version: 1
monolith:
  url: ${monolith.url}
proxy:
  listen: 127.0.0.1:${port}
  userKey: { header: x-user-id, cookie: sid }
contexts:
  catalog:
    phase: canary
    routes: [GET /products/:id, GET /products]
    service: { url: ${catalog.url} }
    routing: { percent: ${percent}, guardrails: { ejectSeconds: 60 } }
  cart:
    phase: shadow
    routes: [GET /cart, POST /cart/items]
    service: { url: ${cart.url} }
  orders:
    phase: syncing
    routes: [GET /orders/:id]
`);
      return runRouteExport({ configFile, all: true, format, out, force: true });
    },
    async close() {
      await Promise.all([monolith.close(), catalog.close(), cart.close()]);
    },
  };
}

export const users = (n: number, prefix = 'user') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** The side each user's request to GET /products/42 lands on, keyed by the header or the cookie. */
export async function sidesOf(client: GatewayClient, ids: string[], key: 'header' | 'cookie' | { bearer: (id: string) => string } = 'header'): Promise<string[]> {
  return client.map(ids, async (id) => {
    const headers: Record<string, string> = key === 'header' ? { 'x-user-id': id } : key === 'cookie' ? { cookie: `theme=dark; sid=${id}` } : { authorization: `Bearer ${key.bearer(id)}` };
    const a = await client.send('/products/42', { headers });
    if (a.status !== 200) throw new Error(`GET /products/42 for ${id} answered ${a.status} (${a.side})`);
    return a.side;
  });
}

export const shareOf = (sides: string[], side: string) => sides.filter((s) => s === side).length / sides.length;

/** An unsigned JWT (the gateways only read its claims). */
export function jwt(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}.c2lnbmF0dXJl`;
}
