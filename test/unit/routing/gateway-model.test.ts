/**
 * The gateway model shared by every export: path regexes match exactly the paths the proxy's matcher does, the
 * rules keep the route table's order, nginx's per-path grouping falls through like the table, and bad input is
 * refused with one line naming the config path.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load-config.ts';
import { ConfigError, UsageError } from '../../../src/errors.ts';
import { buildGatewayModel, covers, groupByPath, pathRegex } from '../../../src/generators/gateway/gateway-model.ts';
import { parseFormat } from '../../../src/commands/route-export.ts';
import { matchesPath, parseRoute, type RoutePattern } from '../../../src/routing/route-pattern.ts';

const route = (t: string) => parseRoute(t) as RoutePattern;
const config = (yaml: string) => parseConfig(yaml, 'strangler.yaml').config;

describe('pathRegex', () => {
  const patterns = ['GET /', 'GET /products', 'GET /products/:id', 'ANY /cart/*', 'GET /a.b/:x/c', 'GET /products/:id/reviews/*'];
  const paths = ['/', '/products', '/products/', '/products/42', '/products/42/', '/products/42/reviews', '/products/42/reviews/9', '/cart', '/cart/', '/cart/items/1', '/cartx', '/a.b/1/c', '/aXb/1/c', '/products//x'];
  it.each(patterns)('%s matches the same paths as the proxy', (p) => {
    const r = route(p);
    const re = new RegExp(pathRegex(r));
    for (const path of paths) expect([path, re.test(path)]).toEqual([path, matchesPath(r, path)]);
  });
});

describe('covers and groupByPath', () => {
  it('knows which pattern holds every path of another', () => {
    expect(covers(route('ANY /products/*'), route('GET /products/:id'))).toBe(true);
    expect(covers(route('GET /products/:id'), route('GET /products/7'))).toBe(true);
    expect(covers(route('GET /products/7'), route('GET /products/:id'))).toBe(false);
    expect(covers(route('GET /products/:id'), route('ANY /products/*'))).toBe(false);
  });

  it('sends a method a path does not name to the next rule that covers the path, as the table does', () => {
    const m = buildGatewayModel(
      config(`monolith: { url: "http://m:3000" }
contexts:
  catalog:
    phase: service
    routes: [GET /products/:id]
    service: { url: "http://c:4001" }
    routing: { reason: read-only }
  reviews:
    phase: canary
    routes: [ANY /products/*]
    service: { url: "http://r:4002" }
    routing: { percent: 10 }
`),
      { file: 'strangler.yaml' },
    );
    expect(m.rules.map((r) => `${r.route} ${r.mode}`)).toEqual(['GET /products/:id service', 'ANY /products/* canary']);
    const [byId] = groupByPath(m.rules);
    expect(byId!.byMethod.GET?.context).toBe('catalog');
    expect(byId!.byMethod.DELETE?.context).toBe('reviews');
    expect(byId!.other?.context).toBe('reviews');
  });
});

describe('buildGatewayModel', () => {
  const yaml = `monolith: { url: "http://m:3000" }
contexts:
  catalog:
    phase: canary
    routes: [GET /products/:id]
    service: { url: "http://c:4001" }
    routing: { percent: 20, overrides: { "GET /products/:id": { phase: canary, percent: 35 } } }
  empty: {}
`;
  it('exports one context or all with routes, with the per-route percentage', () => {
    const m = buildGatewayModel(config(yaml), { file: 'strangler.yaml' });
    expect(m.contexts).toEqual(['catalog']);
    expect(m.rules[0]).toMatchObject({ mode: 'canary', percent: 35, methods: ['GET', 'HEAD'], pathRegex: '^/products/[^/]+/?$' });
    expect(m.services.catalog).toMatchObject({ host: 'c', port: 4001, scheme: 'http' });
    expect(m.monolith).toMatchObject({ host: 'm', port: 3000 });
  });

  it('refuses an unknown context, one without routes, and a missing monolith.url, each in one line', () => {
    const refusals = [
      () => buildGatewayModel(config(yaml), { domain: 'nope', file: 'strangler.yaml' }),
      () => buildGatewayModel(config(yaml), { domain: 'empty', file: 'strangler.yaml' }),
      () => buildGatewayModel(config(yaml.replace('monolith: { url: "http://m:3000" }', '')), { file: 'strangler.yaml' }),
    ];
    const lines = refusals.map((f) => {
      try {
        f();
        return 'accepted';
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).oneLine();
      }
    });
    expect(lines[0]).toMatch(/^strangler\.yaml: no context "nope" — known contexts: catalog, empty; or use --all$/);
    expect(lines[1]).toMatch(/contexts\.empty\.routes is empty/);
    expect(lines[2]).toMatch(/monolith\.url is not set/);
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
  });

  it('refuses a service URL with a path, and an unknown format', () => {
    expect(() => buildGatewayModel(config(yaml.replace('http://c:4001', 'http://c:4001/api')), { file: 'strangler.yaml' })).toThrow(/contexts\.catalog\.service\.url has a path/);
    expect(() => parseFormat('traefik')).toThrow(UsageError);
    expect(() => parseFormat('traefik')).toThrow(/unknown gateway format "traefik"/);
    expect(parseFormat('HAProxy')).toBe('haproxy');
  });
});
