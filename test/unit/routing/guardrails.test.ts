import { describe, expect, it } from 'vitest';
import { ContextGuardrails } from '../../../src/routing/guardrails.ts';
import { GuardrailWindow } from '../../../src/routing/guardrail-window.ts';
import { RoutingState } from '../../../src/routing/routing-state.ts';
import { parseConfig } from '../../../src/config/load-config.ts';

const limits = { windowSeconds: 10, minRequests: 20, maxErrorRateIncrease: 0.05, maxP99Ratio: 2, p99SlackMs: 50 };

describe('guardrail window', () => {
  it('forgets answers older than the window and reads p99 from the histogram', () => {
    const w = new GuardrailWindow(10);
    for (let i = 0; i < 99; i++) w.record(1_000, 10, false);
    w.record(1_000, 500, true);
    const s = w.summary(5_000);
    expect(s).toMatchObject({ count: 100, errors: 1, errorRate: 0.01 });
    expect(s.p99).toBeGreaterThan(9);
    expect(s.p99).toBeLessThan(11);
    expect(w.summary(12_000).count).toBe(0);
  });
});

describe('context guardrails', () => {
  it('waits for minRequests, then names the crossed 5xx limit with the figures', () => {
    const g = new ContextGuardrails(limits);
    for (let i = 0; i < 100; i++) g.record('monolith', 1000, 5, false);
    for (let i = 0; i < 19; i++) g.record('service', 1000, 5, true);
    expect(g.verdict(1000)).toBeUndefined();
    g.record('service', 1000, 5, true);
    expect(g.verdict(1000)).toMatch(/^service 5xx rate 100\.0% over the last 10 s \(20 of 20\) exceeds the monolith's 0\.0% \+ 5\.0%$/);
  });

  it('compares p99 with the monolith, also with the last monolith figure once it gets no traffic', () => {
    const g = new ContextGuardrails(limits);
    for (let i = 0; i < 50; i++) g.record('monolith', 1000, 20, false);
    for (let i = 0; i < 50; i++) g.record('service', 1000, 60, false);
    expect(g.verdict(1000)).toBeUndefined(); // 60 < 20 × 2 + 50
    for (let i = 0; i < 50; i++) g.record('service', 30_000, 200, false);
    expect(g.verdict(30_000)).toMatch(/service p99 \d+ ms .* exceeds the monolith's \d+ ms × 2 \+ 50 ms/);
  });
});

describe('routing state', () => {
  const config = (phase: string, percent: number) => parseConfig(`monolith: { url: http://127.0.0.1:1 }
contexts:
  catalog:
    phase: ${phase}
    routes: ['GET /products/:id']
    sync: { reverse: true }
    service: { url: http://127.0.0.1:2 }
    routing: { percent: ${percent}, guardrails: { minRequests: 5 } }
`, 'strangler.yaml').config;

  it('falls back one phase on a crossed limit, keeps it across reloads of the same desired phase, starts over on a new one', () => {
    const seen: string[] = [];
    const s = new RoutingState((ctx, r) => seen.push(`${ctx}: ${r.from.phase} ${r.from.percent} -> ${r.to.phase} ${r.to.percent}`));
    s.applyConfig(config('canary', 20));
    const entry = s.table.entries[0]!;
    expect(s.effectiveOf(entry, 0)).toEqual({ mode: 'canary', percent: 20 });
    for (let i = 0; i < 5; i++) s.recordAnswer('catalog', 'service', Date.now(), 5, 500);
    expect(seen).toEqual(['catalog: canary 20 -> shadow 0']);
    expect(s.effectiveOf(entry, Date.now())).toEqual({ mode: 'shadow', percent: 0 });
    s.applyConfig(config('canary', 20));
    expect(s.effectiveOf(s.table.entries[0]!, Date.now()).mode).toBe('shadow');
    s.applyConfig(config('canary', 30));
    expect(s.effectiveOf(s.table.entries[0]!, Date.now())).toEqual({ mode: 'canary', percent: 30 });
    expect(s.status(new Date(), 'strangler.yaml').contexts.catalog!.rollbacks).toHaveLength(1);
  });

  it('sends nothing to an ejected service until the ejection ends', () => {
    const s = new RoutingState();
    s.applyConfig(config('service', 0));
    const entry = s.table.entries[0]!;
    expect(s.eject('catalog', 1000)).toBe(true);
    expect(s.effectiveOf(entry, 2000)).toEqual({ mode: 'monolith', percent: 0 });
    expect(s.effectiveOf(entry, 1000 + 31_000)).toEqual({ mode: 'service', percent: 100 });
  });
});
