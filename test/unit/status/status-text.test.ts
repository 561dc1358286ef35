import { describe, expect, it } from 'vitest';
import { renderStatus } from '../../../src/report/status-text.ts';
import type { StatusResult, SyncDirectionStatus } from '../../../src/status/status-result.ts';

const sync = (over: Partial<SyncDirectionStatus>): SyncDirectionStatus => ({
  direction: 'forward', from: 'monolith', to: 'service', state: 'streaming', runningPid: 7, slot: { name: 's', state: 'active', retainedWalBytes: 0 },
  lagBytes: 0, lagSeconds: 0.25, lastAppliedPosition: null, lastCommitTime: null, rowsApplied: 0, message: null, warnings: [], ...over,
});

const result: StatusResult = {
  version: 1,
  at: '2026-12-03T07:20:00.000Z',
  configFile: '/x/strangler.yaml',
  proxy: { admin: '127.0.0.1:8081', reachable: true, startedAt: '2026-12-03T07:00:00Z' },
  contexts: [
    {
      domain: 'catalog', phase: 'canary', percent: 25, label: 'canary 25%',
      sync: { forward: sync({}), reverse: sync({ direction: 'reverse', from: 'service', to: 'monolith', state: 'stopped', runningPid: null, message: 'stopped by signal' }) },
      parity: { state: 'stored', file: 'f', at: '2026-12-03T07:05:09.000Z', verdict: 'pass', checks: { data: true, api: true }, counts: {}, failures: [] },
      traffic: {
        desired: { phase: 'canary', percent: 25 }, effective: { phase: 'shadow', percent: 0 },
        requests: { monolith: 750, service: 250 }, errors5xx: { monolith: 0, service: 25 }, errorRate: { monolith: 0, service: 0.1 },
        shadow: { compared: 10, mismatches: 0 },
        rollbacks: [{ at: '2026-12-03T07:15:00Z', reason: 'service 5xx 10% over 30 s', from: { phase: 'canary', percent: 25 }, to: { phase: 'shadow', percent: 0 } }],
      },
      nextStep: 'the proxy fell back ...', unreachable: [], warnings: [],
    },
    {
      domain: 'cart', phase: 'syncing', percent: 0, label: 'syncing',
      sync: { forward: sync({ state: 'unknown', runningPid: null, lagSeconds: null, lagBytes: null }) },
      parity: { state: 'stored', file: 'f', at: '2026-12-03T07:01:00.000Z', verdict: 'fail', checks: { data: true, api: false }, counts: { data: { tables: 2, tablesWithDifferences: 1, missing: 2, extra: 1, changed: 0 } }, failures: ['3'] },
      nextStep: 'bring the service database of cart back', unreachable: ['service database'], warnings: ['slot s retains 2048 MB'],
    },
  ],
  unreachable: [{ part: 'service database', where: 'postgres://u:***@db:5432/cart', error: 'cannot connect: connect ECONNREFUSED', contexts: ['cart'] }],
};

describe('status text', () => {
  it('prints one aligned row per context, the next steps, rollbacks and what could not be read', () => {
    const text = renderStatus(result, false);
    const lines = text.split('\n');
    expect(lines[0]).toBe('proxy 127.0.0.1:8081: running since 2026-12-03T07:00:00Z');
    expect(lines[1]).toMatch(/^context\s+phase\s+sync monolith->service\s+sync service->monolith\s+parity\s+traffic \(monolith\/service\)\s+5xx monolith \/ service$/);
    expect(lines[2]).toMatch(/^catalog\s+canary 25%\s+streaming, lag 0\.25 s\s+stopped\s+pass data\+api, 2026-12-03 07:05\s+shadow: 750\/250 req\s+0\.0% \/ 10\.0%$/);
    expect(lines[3]).toMatch(/^cart\s+syncing\s+unreachable\s+-\s+fail \(3 rows, 0 endpoints\), 2026-12-03 07:01\s+-\s+-$/);
    // columns line up: the phase column starts at the same offset in every row
    expect(lines[2]!.indexOf('canary')).toBe(lines[1]!.indexOf('phase'));
    expect(lines[3]!.indexOf('syncing')).toBe(lines[1]!.indexOf('phase'));
    expect(text).toContain('next steps:\n  catalog: the proxy fell back ...\n  cart: bring the service database of cart back\n');
    expect(text).toContain('catalog: rolled back by the proxy at 2026-12-03T07:15:00Z: canary 25% -> shadow: service 5xx 10% over 30 s');
    expect(text).toContain('catalog: reverse sync: stopped by signal');
    expect(text).toContain('cart: warning: slot s retains 2048 MB');
    expect(text).toContain('could not read (the rest of the status stands):\n  service database postgres://u:***@db:5432/cart: cannot connect: connect ECONNREFUSED (cart)\n');
    expect(text).not.toMatch(/\u001b\[/);
  });

  it('says the proxy is not running and colours only when asked', () => {
    const text = renderStatus({ ...result, proxy: { admin: '127.0.0.1:8081', reachable: false, error: 'not running' }, contexts: [], unreachable: [] }, true);
    expect(text).toContain('proxy 127.0.0.1:8081: \u001b[33mnot running');
    expect(text).toContain('no contexts in strangler.yaml yet');
  });
});
