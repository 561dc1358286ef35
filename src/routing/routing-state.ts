/**
 * What the proxy applies right now, per context (pure apart from the clock passed in): the desired phase from
 * strangler.yaml, the effective phase after automatic fall backs, ejections of an unreachable service, and the
 * counts /status reports.
 *
 *   1. applyConfig     a new route table: contexts whose desired phase changed start again from it
 *   2. effectiveOf     the mode and percent a route entry gets now (capped by its context's fall back, ejection)
 *   3. recordAnswer    an upstream's answer into the guardrails; crossing a limit falls back one phase
 *   4. eject           the service gets no traffic until a time (outlier detection)
 *   5. status          the /status shape (proxy-status.ts)
 */
import type { ContextPhase, StranglerConfig } from '../config/schema.ts';
import { ContextGuardrails, type Side } from './guardrails.ts';
import { planRollback } from './phase-plan.ts';
import type { PhaseAndPercent, ProxyContextStatus, ProxyRollback, ProxyStatus } from './proxy-status.ts';
import { buildRouteTable, modeOf, percentOf, type RouteEntry, type RouteMode, type RouteTable } from './route-table.ts';

const order: ContextPhase[] = ['analyzed', 'extracted', 'syncing', 'shadow', 'canary', 'service', 'retired'];
const rank = (p: ContextPhase) => order.indexOf(p);

export interface ContextState {
  desired: PhaseAndPercent;
  effective: PhaseAndPercent;
  rollbacks: ProxyRollback[];
  requests: { monolith: number; service: number };
  errors5xx: { monolith: number; service: number };
  shadow: { compared: number; mismatches: number };
  ejectedUntil: number;
  guardrails: ContextGuardrails;
  ejectSeconds: number;
}

export interface Effective {
  mode: RouteMode;
  percent: number;
}

export type RollbackListener = (context: string, rollback: ProxyRollback) => void;

export class RoutingState {
  table: RouteTable = { entries: [] };
  readonly contexts = new Map<string, ContextState>();
  configLoadedAt = new Date();
  lastReloadError?: string;

  constructor(private readonly onRollback: RollbackListener = () => {}) {}

  // 1.
  applyConfig(config: StranglerConfig, now = new Date()): void {
    const table = buildRouteTable(config);
    const seen = new Set<string>();
    for (const [name, c] of Object.entries(config.contexts)) {
      if (c.routes.length === 0) continue;
      seen.add(name);
      const desired = { phase: c.phase, percent: percentOf(c.phase, c.routing.percent) };
      const prev = this.contexts.get(name);
      const g = c.routing.guardrails;
      const sameDesired = prev && prev.desired.phase === desired.phase && prev.desired.percent === desired.percent;
      const sameLimits = prev && JSON.stringify(prev.guardrails.limits) === JSON.stringify(g);
      this.contexts.set(name, {
        desired,
        effective: sameDesired ? prev.effective : desired,
        rollbacks: prev?.rollbacks ?? [],
        requests: prev?.requests ?? { monolith: 0, service: 0 },
        errors5xx: prev?.errors5xx ?? { monolith: 0, service: 0 },
        shadow: prev?.shadow ?? { compared: 0, mismatches: 0 },
        ejectedUntil: prev?.ejectedUntil ?? 0,
        guardrails: sameLimits && sameDesired ? prev.guardrails : new ContextGuardrails(g),
        ejectSeconds: g.ejectSeconds,
      });
    }
    for (const name of [...this.contexts.keys()]) if (!seen.has(name)) this.contexts.delete(name);
    this.table = table;
    this.configLoadedAt = now;
    this.lastReloadError = undefined;
  }

  // 2.
  effectiveOf(entry: RouteEntry, nowMs: number): Effective {
    const s = this.contexts.get(entry.context);
    if (!s) return { mode: entry.mode, percent: entry.percent };
    let mode = entry.mode;
    let percent = entry.percent;
    const capped = s.effective.phase !== s.desired.phase || s.effective.percent !== s.desired.percent;
    if (capped && (rank(entry.phase) > rank(s.effective.phase) || (entry.phase === s.effective.phase && percent > s.effective.percent))) {
      mode = modeOf(s.effective.phase);
      percent = s.effective.percent;
    }
    if (s.ejectedUntil > nowMs && mode !== 'monolith') return { mode: 'monolith', percent: 0 };
    return { mode, percent };
  }

  // 3.
  recordAnswer(context: string, side: Side, nowMs: number, latencyMs: number, status: number): void {
    const s = this.contexts.get(context);
    if (!s) return;
    s.requests[side]++;
    const isError = status >= 500;
    if (isError) s.errors5xx[side]++;
    s.guardrails.record(side, nowMs, latencyMs, isError);
    if (side === 'service' && modeOf(s.effective.phase) !== 'monolith') this.checkGuardrails(context, s, nowMs);
  }

  private checkGuardrails(context: string, s: ContextState, nowMs: number): void {
    const reason = s.guardrails.verdict(nowMs);
    if (!reason) return;
    const to = planRollback(context, s.effective).to;
    const rollback: ProxyRollback = { at: new Date(nowMs).toISOString(), reason, from: s.effective, to: { phase: to.phase, percent: percentOf(to.phase, to.percent) } };
    s.effective = rollback.to;
    s.rollbacks.push(rollback);
    if (s.rollbacks.length > 100) s.rollbacks.shift();
    s.guardrails.reset();
    this.onRollback(context, rollback);
  }

  // 4.
  eject(context: string, nowMs: number): boolean {
    const s = this.contexts.get(context);
    if (!s || s.ejectSeconds <= 0) return false;
    const fresh = s.ejectedUntil <= nowMs;
    s.ejectedUntil = nowMs + s.ejectSeconds * 1000;
    return fresh;
  }

  // 5.
  status(startedAt: Date, configFile: string, nowMs = Date.now()): ProxyStatus {
    const contexts: Record<string, ProxyContextStatus> = {};
    for (const [name, s] of this.contexts) {
      contexts[name] = {
        desired: s.desired,
        effective: s.effective,
        rollbacks: s.rollbacks,
        requests: s.requests,
        errors5xx: s.errors5xx,
        shadow: s.shadow,
        ...(s.ejectedUntil > nowMs ? { serviceEjectedUntil: new Date(s.ejectedUntil).toISOString() } : {}),
      };
    }
    return {
      version: 1,
      startedAt: startedAt.toISOString(),
      configFile,
      configLoadedAt: this.configLoadedAt.toISOString(),
      ...(this.lastReloadError ? { lastReloadError: this.lastReloadError } : {}),
      contexts,
    };
  }
}
