import express from 'express';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVerifyParity } from '../../../src/commands/verify-parity.ts';
import { compareApis } from '../../../src/parity/api-parity.ts';
import { EnvironmentError, UsageError } from '../../../src/errors.ts';
import { freePort } from '../../harness/postgres-server.ts';

interface Product { id: number; name: string; price: number }

/** A tiny shop API whose answers carry noise: a timestamp, a request id and a random token. */
function shop(products: Product[]): express.Express {
  const app = express();
  app.get('/products/:id', (req, res) => {
    const p = products.find((x) => x.id === Number(req.params.id));
    if (!p) return void res.status(404).json({ error: 'not found' });
    res.json({ ...p, generatedAt: new Date().toISOString() + Math.random(), requestId: randomUUID(), meta: { token: Math.random().toString(36) } });
  });
  app.get('/products', (_req, res) => res.json({ items: products.map((p) => ({ ...p, etag: randomUUID() })) }));
  return app;
}

async function listen(app: express.Express): Promise<{ url: string; server: Server }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }));
  });
}

describe('API parity against real HTTP servers', () => {
  const data: Product[] = [1, 2, 3].map((id) => ({ id, name: `p${id}`, price: id * 10 }));
  let monolith: { url: string; server: Server };
  let same: { url: string; server: Server };
  let changed: { url: string; server: Server };
  const requests = ['/products/1', '/products/2', '/products/3', '/products/9', '/products'].map((path) => ({
    method: 'GET',
    path,
    endpoint: path === '/products' ? 'GET /products' : 'GET /products/:id',
  }));

  beforeAll(async () => {
    monolith = await listen(shop(data));
    same = await listen(shop(structuredClone(data)));
    changed = await listen(shop(data.map((p) => (p.id === 2 ? { ...p, price: 21 } : p))));
  });
  afterAll(() => {
    for (const s of [monolith, same, changed]) s?.server.close();
  });

  it('equal answers with noisy fields give no false positive, and the noise is named', async () => {
    const result = await compareApis({ monolithUrl: monolith.url, serviceUrl: same.url, requests });
    expect(result.equal).toBe(true);
    expect(result.totals).toEqual({ endpoints: 2, differingEndpoints: 0, differingRequests: 0, noisyEndpoints: 2 });
    expect(result.endpoints.find((e) => e.endpoint === 'GET /products/:id')!.noise).toEqual(['$.generatedAt', '$.meta.token', '$.requestId']);
    expect(result.endpoints.find((e) => e.endpoint === 'GET /products')!.noise).toEqual(['$.items[*].etag']);
  });

  it('a changed field is found and located: endpoint, request and JSON path', async () => {
    const result = await compareApis({ monolithUrl: monolith.url, serviceUrl: changed.url, requests });
    expect(result.equal).toBe(false);
    const byId = result.endpoints.find((e) => e.endpoint === 'GET /products/:id')!;
    expect(byId.differing).toBe(1);
    expect(byId.examples).toEqual([{ method: 'GET', path: '/products/2', fields: [{ path: '$.price', kind: 'value', monolith: 20, service: 21 }] }]);
    const list = result.endpoints.find((e) => e.endpoint === 'GET /products')!;
    expect(list.examples[0]!.fields).toEqual([{ path: '$.items[1].price', kind: 'value', monolith: 20, service: 21 }]);
  });

  it('ignore paths from config hide known differences; status codes are compared', async () => {
    const ignored = await compareApis({ monolithUrl: monolith.url, serviceUrl: changed.url, requests, ignorePaths: ['$.price', '$.items[*].price'] });
    expect(ignored.equal).toBe(true);
    const app = express();
    app.get('/products/:id', (_req, res) => void res.status(500).json({ error: 'boom' }));
    const broken = await listen(app);
    try {
      const result = await compareApis({ monolithUrl: monolith.url, serviceUrl: broken.url, requests: requests.slice(0, 1) });
      expect(result.endpoints[0]!.examples[0]!.status).toEqual({ monolith: 200, service: 500 });
    } finally {
      broken.server.close();
    }
  });

  it('chosen headers are compared; a header that differs between two monolith answers is noise', async () => {
    const withHeaders = (version: string) => {
      const app = express();
      app.get('/products/:id', (_req, res) => void res.set({ 'x-api-version': version, 'x-request-id': randomUUID() }).json({ id: 1 }));
      return listen(app);
    };
    const [m, s1, s2] = await Promise.all([withHeaders('1'), withHeaders('1'), withHeaders('2')]);
    try {
      const headers = ['content-type', 'x-api-version', 'x-request-id'];
      const one = requests.slice(0, 1);
      const same = await compareApis({ monolithUrl: m.url, serviceUrl: s1.url, requests: one, headers });
      expect(same.equal).toBe(true);
      expect(same.endpoints[0]!.noise).toEqual(['header:x-request-id']);
      const other = await compareApis({ monolithUrl: m.url, serviceUrl: s2.url, requests: one, headers });
      expect(other.endpoints[0]!.examples).toEqual([
        { method: 'GET', path: '/products/1', headers: [{ name: 'x-api-version', monolith: '1', service: '2' }], fields: [] },
      ]);
    } finally {
      for (const x of [m, s1, s2]) x.server.close();
    }
  });

  it('the command fails on the noisy-endpoints threshold (--fail-on), from flags alone (no strangler.yaml)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'api-parity-'));
    const corpus = path.join(dir, 'corpus.jsonl');
    await writeFile(corpus, ['/products/1', '/products/2', '/products'].map((p) => JSON.stringify({ method: 'GET', path: p })).join('\n'));
    const base = { domain: 'catalog', configFile: path.join(dir, 'strangler.yaml'), data: false, api: true, monolithUrl: monolith.url, serviceUrl: same.url, corpus };
    const loose = await runVerifyParity(base);
    expect(loose).toMatchObject({ pass: true, failures: [] });
    expect(loose.api!.totals).toMatchObject({ endpoints: 2, noisyEndpoints: 2, differingEndpoints: 0 });
    const strict = await runVerifyParity({ ...base, failOn: 'noisy-endpoints=0.1%' });
    expect(strict.pass).toBe(false);
    expect(strict.failures).toEqual(['100.0% of endpoints are noisy (allowed: 0.1%)']);
  });

  it('only safe methods unless --allow-writes; an unreachable service is an environment error', async () => {
    const writes = [{ method: 'POST', path: '/orders', endpoint: 'POST /orders' }];
    await expect(compareApis({ monolithUrl: monolith.url, serviceUrl: same.url, requests: writes })).rejects.toThrow(UsageError);
    const port = await freePort();
    const error = await compareApis({ monolithUrl: monolith.url, serviceUrl: `http://127.0.0.1:${port}`, requests: requests.slice(0, 1) }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as EnvironmentError).message).toBe(`cannot reach the service at http://127.0.0.1:${port} (ECONNREFUSED on GET /products/1)`);
  });
});
