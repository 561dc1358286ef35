import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load-config.ts';
import { buildRouteTable, matchRoute } from '../../../src/routing/route-table.ts';
import { parseShiftTarget, planRollback, planShift } from '../../../src/routing/phase-plan.ts';
import { parseRoute } from '../../../src/routing/route-pattern.ts';

const yaml = (phase: string, extra = '') => `version: 1
contexts:
  catalog:
    phase: ${phase}
    routes: ["GET /products/:id", "get /products/featured", "ANY /catalog/*"]
    service: { url: http://127.0.0.1:4001 }
    sync: { reverse: true }
${extra}`;

describe('route table', () => {
  it('matches the most specific route, HEAD as GET, and nothing outside the context', () => {
    const { config } = parseConfig(yaml('canary', '    routing: { percent: 10, overrides: { "GET /products/featured": { phase: service } } }\n'), '/x/strangler.yaml');
    const t = buildRouteTable(config);
    expect(matchRoute(t, 'GET', '/products/featured')).toMatchObject({ context: 'catalog', phase: 'service', percent: 100, mode: 'service' });
    expect(matchRoute(t, 'HEAD', '/products/7')).toMatchObject({ phase: 'canary', percent: 10, mode: 'canary' });
    expect(matchRoute(t, 'DELETE', '/catalog/a/b')?.route.text).toBe('ANY /catalog/*');
    expect(matchRoute(t, 'POST', '/products/7')).toBeUndefined();
    expect(matchRoute(t, 'GET', '/products/7/reviews')).toBeUndefined();
  });

  it('refuses bad routes, overrides of unknown routes and phases that lack what they need', () => {
    expect(() => parseConfig(yaml('syncing').replace('GET /products/:id', 'FETCH /products'), '/x/s.yaml')).toThrow(/contexts\.catalog\.routes\[0\]: "FETCH \/products": unknown method FETCH/);
    expect(() => parseConfig(yaml('syncing').replace('GET /products/:id', 'GET /a/*/b'), '/x/s.yaml')).toThrow(/"\*" may only end a path/);
    expect(() => parseConfig(yaml('canary').replace('service: { url: http://127.0.0.1:4001 }', 'service: {}'), '/x/s.yaml')).toThrow(/service\.url: phase canary sends requests to the service, but service\.url is not set/);
    expect(() => parseConfig(yaml('service').replace('reverse: true', 'reverse: false'), '/x/s.yaml')).toThrow(/phase service needs reverse sync \(sync\.reverse: true\) or a declared reason/);
    expect(() => parseConfig(yaml('service', '    routing: { reason: read-only catalog }\n').replace('reverse: true', 'reverse: false'), '/x/s.yaml')).not.toThrow();
    expect(() => parseConfig(yaml('shadow', '    routing: { overrides: { "GET /nope": { phase: service } } }\n'), '/x/s.yaml')).toThrow(/"GET \/nope" is not one of this context's routes/);
    expect(() => parseConfig(yaml('canary', '    routing: { percent: 120 }\n'), '/x/s.yaml')).toThrow(/routing\.percent/);
    expect(parseRoute('get /products/')).toMatchObject({ text: 'GET /products' });
  });
});

describe('phase plans', () => {
  const pass = { verdict: 'pass' as const, file: 'p.json' };
  const missing = { verdict: 'missing' as const, file: '.strangler/parity/catalog.json' };
  it('moves forward, refuses to leave shadow without green parity unless forced, and never shrinks a canary', () => {
    expect(planShift('catalog', { phase: 'syncing', percent: 0 }, parseShiftTarget('shadow'), missing, false)).toMatchObject({ refusals: [], changes: [{ path: ['contexts', 'catalog', 'phase'], to: 'shadow' }] });
    expect(planShift('catalog', { phase: 'shadow', percent: 0 }, parseShiftTarget('10'), missing, false).refusals[0]).toMatch(/no parity result for catalog \(\.strangler\/parity\/catalog\.json\)/);
    expect(planShift('catalog', { phase: 'shadow', percent: 0 }, parseShiftTarget('10%'), missing, true)).toMatchObject({ refusals: [], forced: true });
    expect(planShift('catalog', { phase: 'shadow', percent: 0 }, parseShiftTarget('10'), { ...pass, verdict: 'fail' }, false).refusals[0]).toMatch(/failed/);
    expect(planShift('catalog', { phase: 'shadow', percent: 0 }, parseShiftTarget('10'), pass, false).changes).toHaveLength(2);
    expect(planShift('catalog', { phase: 'canary', percent: 10 }, parseShiftTarget('50'), missing, false).refusals).toEqual([]);
    expect(() => planShift('catalog', { phase: 'canary', percent: 50 }, parseShiftTarget('10'), pass, false)).toThrow(/only moves catalog forward \(it is at canary 50%, asked for canary 10%\)/);
    expect(planShift('catalog', { phase: 'syncing', percent: 0 }, parseShiftTarget('service'), pass, false).refusals[0]).toMatch(/has not been in shadow/);
    expect(() => parseShiftTarget('150')).toThrow(/--to: expected shadow/);
    expect(() => parseShiftTarget('0')).toThrow(/--to/);
  });
  it('rolls back one step at a time', () => {
    expect(planRollback('c', { phase: 'service', percent: 50 }).to).toEqual({ phase: 'canary', percent: 50 });
    expect(planRollback('c', { phase: 'canary', percent: 50 }).to.phase).toBe('shadow');
    expect(planRollback('c', { phase: 'shadow', percent: 0 }).to.phase).toBe('syncing');
    expect(() => planRollback('c', { phase: 'syncing', percent: 0 })).toThrow(/nothing to roll back/);
  });
});
