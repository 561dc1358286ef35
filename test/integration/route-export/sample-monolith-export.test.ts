/**
 * Every route of the bundled sample monolith (fixtures/sample-monolith/domains.yaml), its contexts spread over
 * every phase, exported in all four formats: nginx -t and haproxy -c accept them, the Kong file passes the decK
 * schema, the Istio objects validate against the CRD models, and each format carries every route.
 */
import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule';
import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import { execa } from 'execa';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { runRouteExport } from '../../../src/commands/route-export.ts';
import { kongDeclarativeSchema } from '../../harness/kong-declarative-schema.ts';
import { freePort } from '../../harness/postgres-server.ts';
import { systemBinary } from '../../harness/system-binary.ts';

const domainsFile = fileURLToPath(new URL('../../../fixtures/sample-monolith/domains.yaml', import.meta.url));
let dir: string;
let configFile: string;
let routeCount: number;

const phases = [{ phase: 'shadow' }, { phase: 'canary', percent: 20 }, { phase: 'service' }, { phase: 'syncing' }, { phase: 'canary', percent: 5 }] as const;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sample-export-'));
  const domains = parse(await readFile(domainsFile, 'utf8')) as { contexts: Record<string, { routes?: string[] }> };
  const contexts: Record<string, unknown> = {};
  routeCount = 0;
  Object.entries(domains.contexts).forEach(([name, c], i) => {
    if (!c.routes?.length) return;
    routeCount += c.routes.length;
    const p = phases[i % phases.length]!;
    contexts[name] = {
      routes: c.routes,
      phase: p.phase,
      // loopback addresses: nginx and HAProxy resolve names when they load, and nothing here may query DNS
      // one service over TLS, so the checks cover SNI and certificate verification too
      service: { url: i === 2 ? `https://127.0.0.${10 + i}` : `http://127.0.0.${10 + i}:${4000 + i}` },
      routing: { ...('percent' in p ? { percent: p.percent } : {}), reason: 'sample export test' },
    };
  });
  configFile = path.join(dir, 'strangler.yaml');
  await writeFile(configFile, stringify({ version: 1, monolith: { url: 'http://127.0.0.1:3000' }, proxy: { listen: `127.0.0.1:${await freePort()}` }, contexts }));
});

describe("the sample monolith's routes exported", () => {
  it('nginx -t accepts the nginx export', async () => {
    const nginx = await systemBinary('nginx');
    const r = await runRouteExport({ configFile, all: true, format: 'nginx', out: path.join(dir, 'strangler.conf') });
    expect(r.rules).toHaveLength(routeCount);
    expect(new Set(r.rules.map((x) => x.mode))).toEqual(new Set(['shadow', 'canary', 'service', 'monolith']));
    await writeFile(path.join(dir, 'nginx.conf'), `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  include ${dir}/strangler.conf;\n}\n`);
    const t = await execa(nginx, ['-t', '-c', path.join(dir, 'nginx.conf'), '-p', dir], { reject: false });
    expect(t.exitCode, String(t.stderr)).toBe(0);
    const text = await readFile(path.join(dir, 'strangler.conf'), 'utf8');
    expect(text).toMatch(/^ {4}proxy_ssl_name \$strangler_ssl_name;$/m);
    expect(text).toMatch(/^ {4}"https:\/\/strangler_cart" "127\.0\.0\.12";$/m);
  });

  it('haproxy -c accepts the HAProxy export', async () => {
    const haproxy = await systemBinary('haproxy');
    const out = path.join(dir, 'haproxy.cfg');
    await runRouteExport({ configFile, all: true, format: 'haproxy', out });
    const c = await execa(haproxy, ['-c', '-f', out], { reject: false, all: true });
    expect(c.exitCode, String(c.all)).toBe(0);
    expect((await readFile(out, 'utf8')).match(/^ {4}acl strangler_r\d+_path /gm)).toHaveLength(routeCount);
  });

  it('the Kong export passes the decK schema and the Istio export the CRD models', async () => {
    const kong = parse((await runRouteExport({ configFile, all: true, format: 'kong' })).text) as { services: { routes: unknown[] }[] };
    const checked = kongDeclarativeSchema.safeParse(kong);
    expect(checked.success, checked.error?.message).toBe(true);
    expect(kong.services.flatMap((s) => s.routes)).toHaveLength(routeCount + 1);
    const docs = parseAllDocuments((await runRouteExport({ configFile, all: true, format: 'istio' })).text).map((d) => d.toJSON() as { kind: string });
    for (const d of docs) expect(() => (d.kind === 'VirtualService' ? new VirtualService(d as never) : new DestinationRule(d as never)).validate()).not.toThrow();
    expect(docs.filter((d) => d.kind === 'DestinationRule').length).toBeGreaterThan(0);
  });
});
