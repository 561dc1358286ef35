import { describe, expect, it } from 'vitest';
import { nextStep, type NextStepFacts, type NextStepInput } from '../../../src/status/next-step.ts';
import type { ProxySummary, SyncDirectionStatus, TrafficStatus } from '../../../src/status/status-result.ts';

const streaming = (over: Partial<SyncDirectionStatus> = {}): SyncDirectionStatus => ({
  direction: 'forward', from: 'monolith', to: 'service', state: 'streaming', runningPid: 4242,
  slot: { name: 'strangler_cart', state: 'active', retainedWalBytes: 100 }, lagBytes: 0, lagSeconds: 0.2,
  lastAppliedPosition: '0/1#0', lastCommitTime: null, rowsApplied: 10, message: null, warnings: [], ...over,
});
const facts: NextStepFacts = { routes: 3, serviceUrl: 'http://127.0.0.1:4001', serviceDatabase: 'postgres://s', monolithDatabase: 'postgres://m', reverse: true, maxErrorRateIncrease: 0.05, minRequests: 20 };
const up: ProxySummary = { admin: '127.0.0.1:8081', reachable: true, startedAt: '2026-12-03T06:00:00Z' };
const down: ProxySummary = { admin: '127.0.0.1:8081', reachable: false, error: 'not running' };
const traffic = (over: Partial<TrafficStatus> = {}): TrafficStatus => ({
  desired: { phase: 'canary', percent: 10 }, effective: { phase: 'canary', percent: 10 },
  requests: { monolith: 900, service: 100 }, errors5xx: { monolith: 0, service: 0 }, errorRate: { monolith: 0, service: 0 },
  shadow: { compared: 0, mismatches: 0 }, rollbacks: [], ...over,
});
const passApi = { state: 'stored' as const, file: 'f', at: '2026-12-03T07:00:00Z', verdict: 'pass' as const, checks: { data: true, api: true }, counts: {}, failures: [] };

function ctx(over: Partial<NextStepInput> = {}): NextStepInput {
  return {
    domain: 'cart', phase: 'canary', percent: 10, label: 'canary 10%',
    sync: { forward: streaming(), reverse: streaming({ direction: 'reverse', from: 'service', to: 'monolith' }) },
    parity: passApi, traffic: traffic(), unreachable: [], warnings: [], ...over,
  };
}

describe('next step', () => {
  it('walks a context through every phase', () => {
    expect(nextStep(ctx({ phase: 'analyzed' }), facts, down)).toBe('run strangler extract cart');
    expect(nextStep(ctx({ phase: 'extracted', sync: { forward: streaming({ state: 'never-started', runningPid: null }) } }), facts, down)).toBe('run strangler sync start cart --detach');
    expect(nextStep(ctx({ phase: 'syncing', sync: { forward: streaming({ state: 'backfill' }) } }), facts, down)).toBe('wait for sync cart to finish its backfill, then run strangler status cart again');
    expect(nextStep(ctx({ phase: 'syncing', sync: { forward: streaming({ lagSeconds: 95 }) } }), facts, down)).toMatch(/^wait for sync cart to catch up \(95 s behind\)/);
    expect(nextStep(ctx({ phase: 'syncing' }), facts, down)).toBe('run strangler route shift cart --to shadow');
    expect(nextStep(ctx({ phase: 'shadow', parity: { state: 'missing', file: 'f' } }), facts, up)).toBe('run strangler verify-parity cart --api, then strangler route shift cart --to 10');
    expect(nextStep(ctx({ phase: 'shadow' }), facts, up)).toBe('run strangler route shift cart --to 10');
    expect(nextStep(ctx({ percent: 10 }), facts, up)).toBe('run strangler route shift cart --to 25');
    expect(nextStep(ctx({ percent: 50, traffic: traffic({ desired: { phase: 'canary', percent: 50 }, effective: { phase: 'canary', percent: 50 } }) }), facts, up)).toBe('run strangler route shift cart --to service');
    expect(nextStep(ctx({ phase: 'service', percent: 100, traffic: traffic({ desired: { phase: 'service', percent: 100 }, effective: { phase: 'service', percent: 100 } }) }), facts, up)).toMatch(/run strangler route shift cart --to retired$/);
    expect(nextStep(ctx({ phase: 'retired', sync: { forward: streaming({ runningPid: null, state: 'stopped', slot: { name: 'strangler_cart', state: 'inactive', retainedWalBytes: 0 } }) } }), facts, up)).toMatch(/^run strangler sync teardown cart --yes/);
    expect(nextStep(ctx({ phase: 'retired', sync: { forward: streaming({ slot: { name: 'strangler_cart', state: 'absent', retainedWalBytes: null } }) } }), facts, up)).toBe('nothing left to do: cart is retired');
  });

  it('asks for what is missing before moving traffic', () => {
    expect(nextStep(ctx({ phase: 'extracted' }), { ...facts, serviceDatabase: undefined }, down)).toBe('set contexts.cart.service.database in strangler.yaml, then run strangler sync start cart --detach');
    expect(nextStep(ctx({ phase: 'syncing' }), { ...facts, routes: 0 }, down)).toMatch(/^add the routes of cart/);
    expect(nextStep(ctx({ phase: 'syncing' }), { ...facts, serviceUrl: undefined }, down)).toBe("run strangler route plan cart --service-url <the service's base URL>");
    expect(nextStep(ctx({ phase: 'shadow', parity: { ...passApi, checks: { data: true, api: false } } }), facts, up)).toBe('run strangler verify-parity cart --api, then strangler route shift cart --to 10');
    expect(nextStep(ctx({ phase: 'shadow', parity: { ...passApi, verdict: 'fail', failures: ['2 endpoint(s) answer differently (allowed: 0)'] } }), facts, up)).toBe('fix the differences of the last parity result (2 endpoint(s) answer differently (allowed: 0)), then run strangler verify-parity cart --api');
    const noReverse = { forward: streaming(), reverse: streaming({ direction: 'reverse', state: 'stopped', runningPid: null }) };
    expect(nextStep(ctx({ phase: 'shadow', sync: noReverse }), facts, up)).toBe('run strangler sync reverse cart --detach, then strangler route shift cart --to 10');
    expect(nextStep(ctx({ sync: noReverse }), facts, up)).toBe('run strangler sync reverse cart --detach');
    const at50 = ctx({ percent: 50, sync: { forward: streaming() } });
    expect(nextStep(at50, { ...facts, reverse: false }, up)).toMatch(/^set contexts\.cart\.sync\.reverse: true/);
    expect(nextStep(at50, { ...facts, reverse: false, reason: 'read-only' }, up)).toBe('run strangler route shift cart --to service');
  });

  it('puts what is down or failing first', () => {
    const unknown = { forward: streaming({ state: 'unknown', runningPid: null, slot: { name: 's', state: 'unknown', retainedWalBytes: null } }) };
    expect(nextStep(ctx({ sync: unknown, unreachable: ['service database'] }), facts, up)).toBe('bring the service database of cart back (see unreachable), then run strangler status cart again');
    expect(nextStep(ctx({ sync: { forward: streaming({ state: 'paused', message: 'column x missing' }) } }), facts, up)).toBe('sync cart is paused (column x missing): fix that and it resumes by itself');
    expect(nextStep(ctx({ sync: { forward: streaming({ state: 'error', runningPid: null, message: 'boom' }) } }), facts, up)).toBe('sync cart stopped on an error (boom): fix it, then run strangler sync start cart --detach');
    expect(nextStep(ctx({ traffic: undefined, unreachable: ['proxy'] }), facts, down)).toBe('start the proxy: strangler proxy --detach (its admin port 127.0.0.1:8081 not running)');
    expect(nextStep(ctx({ traffic: undefined }), facts, { ...up, lastReloadError: 'contexts.cart.routing.percent: too big' })).toMatch(/^fix strangler\.yaml: the proxy rejected its last reload/);
    const rolled = traffic({
      effective: { phase: 'shadow', percent: 0 },
      rollbacks: [{ at: '2026-12-03T07:10:00Z', reason: 'service 5xx rate 40% exceeds the monolith\'s 0% by more than 5%', from: { phase: 'canary', percent: 10 }, to: { phase: 'shadow', percent: 0 } }],
    });
    expect(nextStep(ctx({ traffic: rolled }), facts, up)).toBe("the proxy fell back from canary 10% to shadow (service 5xx rate 40% exceeds the monolith's 0% by more than 5%): fix the service, then run strangler route rollback cart so strangler.yaml agrees");
    expect(nextStep(ctx({ traffic: traffic({ serviceEjectedUntil: '2026-12-03T07:11:00Z' }) }), facts, up)).toMatch(/ejected until 2026-12-03T07:11:00Z/);
    const failing = traffic({ errors5xx: { monolith: 0, service: 10 }, errorRate: { monolith: 0, service: 0.1 } });
    expect(nextStep(ctx({ traffic: failing }), facts, up)).toBe('the service of cart answers 5xx to 10.0% of its requests (monolith 0.0%): find out why before shifting further');
    // too few service requests to judge: the ladder goes on
    expect(nextStep(ctx({ traffic: { ...failing, requests: { monolith: 900, service: 5 } } }), facts, up)).toBe('run strangler route shift cart --to 25');
  });
});
