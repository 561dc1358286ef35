/**
 * Kong and Istio exports validated against their published schemas:
 *   - Istio: the VirtualService and DestinationRule models of @kubernetes-models/istio (generated from Istio's CRDs;
 *     `validate()` runs the CRD's OpenAPI schema), after the renderer was type-checked against the same models
 *   - Kong: test/harness/kong-declarative-schema.ts, written from Kong's entity definitions (no package ships one)
 * plus what each output must say about the route table (order, weights, stickiness, mirror, outlier detection).
 */
import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule';
import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { parseConfig } from '../../../src/config/load-config.ts';
import { buildGatewayModel } from '../../../src/generators/gateway/gateway-model.ts';
import { renderGateway } from '../../../src/generators/gateway/render-gateway.ts';
import { kongDeclarativeSchema } from '../../harness/kong-declarative-schema.ts';

const yaml = `version: 1
monolith: { url: "http://shop.default.svc.cluster.local:3000" }
proxy: { userKey: { header: X-User-Id, cookie: sid } }
contexts:
  catalog:
    phase: canary
    routes: [GET /products/:id, GET /products, ANY /catalog/*]
    service: { url: "http://catalog.default.svc.cluster.local:4001" }
    routing: { percent: 12.5, guardrails: { ejectSeconds: 45 } }
  cart:
    phase: shadow
    routes: [GET /cart, POST /cart/items]
    service: { url: "http://cart.default.svc.cluster.local:4002" }
  users:
    phase: service
    routes: [ANY /users/*]
    service: { url: "https://users.default.svc.cluster.local" }
    sync: { reverse: true }
  orders:
    phase: syncing
    routes: [GET /orders/:id]
`;
const model = () => buildGatewayModel(parseConfig(yaml, 'strangler.yaml').config, { file: 'strangler.yaml' });

describe('Kong export', () => {
  const text = renderGateway('kong', model()).text;
  const doc = parse(text) as {
    services: { name: string; host?: string; url?: string; routes: { name: string; paths: string[]; methods?: string[]; regex_priority?: number }[] }[];
    upstreams: { name: string; hash_on: string; hash_on_header: string; hash_fallback: string; hash_on_cookie: string; targets: { target: string; weight: number }[] }[];
  };

  it('is a valid decK 3.0 file', () => {
    const r = kongDeclarativeSchema.safeParse(doc);
    expect(r.success, r.error?.message).toBe(true);
  });

  it('splits the canary by target weights on one upstream hashed on the user key, and keeps the table order', () => {
    const up = doc.upstreams.find((u) => u.name.startsWith('strangler-catalog-canary'))!;
    expect(up).toMatchObject({ hash_on: 'header', hash_on_header: 'x-user-id', hash_fallback: 'cookie', hash_on_cookie: 'sid' });
    expect(up.targets).toEqual([
      { target: 'shop.default.svc.cluster.local:3000', weight: 8750 },
      { target: 'catalog.default.svc.cluster.local:4001', weight: 1250 },
    ]);
    expect(doc.services.find((s) => s.host === up.name)!.routes.map((r) => r.paths[0])).toEqual(['~/products/[^/]+/?$', '~/products/?$', '~/catalog(/.*)?$']);
    const routes = doc.services.flatMap((s) => s.routes.filter((r) => r.regex_priority !== undefined).map((r) => ({ ...r, service: s.name })));
    const byPriority = [...routes].sort((a, b) => b.regex_priority! - a.regex_priority!).map((r) => `${r.service} ${r.paths[0]} ${r.methods?.join(',')}`);
    expect(byPriority[0]).toBe('strangler-monolith ~/cart/items/?$ POST');
    expect(byPriority).toContain('strangler-users ~/users(/.*)?$ GET,HEAD,POST,PUT,PATCH,DELETE,OPTIONS');
    expect(doc.services.find((s) => s.name === 'strangler-monolith')!.routes.map((r) => r.paths[0])).toEqual(['~/cart/items/?$', '~/orders/[^/]+/?$', '~/cart/?$', '/']);
  });

  it('rejects what Kong would reject (the schema can fail)', () => {
    const broken = structuredClone(doc);
    broken.services[0]!.routes[0]!.paths = ['^/products'];
    expect(kongDeclarativeSchema.safeParse(broken).success).toBe(false);
    const cookieFallback = structuredClone(doc);
    Object.assign(cookieFallback.upstreams[0]!, { hash_on: 'cookie', hash_fallback: 'header' });
    expect(kongDeclarativeSchema.safeParse(cookieFallback).success).toBe(false);
    const heavy = structuredClone(doc);
    heavy.upstreams[0]!.targets[0]!.weight = 70_000;
    expect(kongDeclarativeSchema.safeParse(heavy).success).toBe(false);
    expect(kongDeclarativeSchema.safeParse({ ...doc, servicez: [] }).success).toBe(false);
  });
});

describe('Istio export', () => {
  const text = renderGateway('istio', model()).text;
  const docs = parseAllDocuments(text).map((d) => d.toJSON() as { kind: string; spec: Record<string, unknown> });

  it('is a VirtualService and DestinationRules that validate against the Istio CRD models', () => {
    expect(docs.map((d) => d.kind)).toEqual(['VirtualService', 'DestinationRule', 'DestinationRule', 'DestinationRule']);
    for (const d of docs) {
      const model = d.kind === 'VirtualService' ? new VirtualService(d as never) : new DestinationRule(d as never);
      expect(() => model.validate()).not.toThrow();
    }
  });

  it('mirrors shadow safe methods, pins canary users with cookies, weighs the split, and ejects failing pods', () => {
    const http = (docs[0]!.spec as { http: { name: string; match?: { method?: { regex: string }; headers?: unknown }[]; route: { weight?: number; destination: { host: string } }[]; mirror?: { host: string }; mirrorPercentage?: { value: number } }[] }).http;
    const shadow = http.find((h) => h.mirror)!;
    expect(shadow).toMatchObject({ mirror: { host: 'cart.default.svc.cluster.local' }, mirrorPercentage: { value: 100 }, match: [{ method: { regex: '^(GET|HEAD)$' } }] });
    expect(http.filter((h) => h.mirror).length).toBe(1);
    const canary = http.find((h) => h.name.endsWith('-canary'))!;
    expect(canary.route.map((r) => [r.destination.host, r.weight])).toEqual([
      ['catalog.default.svc.cluster.local', 13],
      ['shop.default.svc.cluster.local', 87],
    ]);
    const pinned = http.findIndex((h) => h.name.endsWith('-pinned-service'));
    expect(pinned).toBeLessThan(http.indexOf(canary));
    expect(JSON.stringify(http[pinned]!.match)).toMatch(/strangler-catalog=service/);
    expect(http.at(-1)!.name).toBe('monolith-default');
    const rule = docs.find((d) => d.kind === 'DestinationRule' && (d.spec as { host: string }).host.startsWith('catalog'))!;
    expect(rule.spec).toMatchObject({ trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user-id' } }, outlierDetection: { baseEjectionTime: '45s' } } });
  });

  it('rejects what the CRD rejects (the validation can fail)', () => {
    const bad = structuredClone(docs[0]!) as unknown as { spec: { http: { route: { weight?: unknown }[] }[] } };
    bad.spec.http.find((h) => h.route.length === 2)!.route[0]!.weight = 'ten';
    expect(() => new VirtualService(bad as never).validate()).toThrow(/weight must be integer/);
  });
});
