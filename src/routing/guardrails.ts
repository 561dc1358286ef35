/**
 * Guardrails of one context (pure, clock passed in): the service's answers against the monolith's over a sliding
 * window, and whether a limit is crossed. The proxy falls back one phase when `verdict` returns a reason.
 *
 *   1. record     an answer of either side (latency, 5xx or connection failure)
 *   2. verdict    after minRequests service answers: 5xx rate above the monolith's + maxErrorRateIncrease, or p99
 *                 above the monolith's × maxP99Ratio + p99SlackMs (against the last monolith p99 seen when the
 *                 monolith had too few answers in the window; no p99 check before one was ever seen)
 */
import { GuardrailWindow, type WindowSummary } from './guardrail-window.ts';

export interface GuardrailLimits {
  windowSeconds: number;
  minRequests: number;
  maxErrorRateIncrease: number;
  maxP99Ratio: number;
  p99SlackMs: number;
}

export type Side = 'monolith' | 'service';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ms = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`;

export class ContextGuardrails {
  private readonly windows: Record<Side, GuardrailWindow>;
  private lastMonolith?: WindowSummary;

  constructor(readonly limits: GuardrailLimits) {
    this.windows = { monolith: new GuardrailWindow(limits.windowSeconds), service: new GuardrailWindow(limits.windowSeconds) };
  }

  // 1.
  record(side: Side, nowMs: number, latencyMs: number, isError: boolean): void {
    this.windows[side].record(nowMs, latencyMs, isError);
  }

  // 2.
  verdict(nowMs: number): string | undefined {
    const l = this.limits;
    const service = this.windows.service.summary(nowMs);
    if (service.count < l.minRequests) return undefined;
    const current = this.windows.monolith.summary(nowMs);
    if (current.count >= l.minRequests) this.lastMonolith = current;
    const monolith = current.count >= l.minRequests ? current : this.lastMonolith;
    const baseRate = monolith?.errorRate ?? 0;
    if (service.errorRate > baseRate + l.maxErrorRateIncrease) {
      return `service 5xx rate ${pct(service.errorRate)} over the last ${l.windowSeconds} s (${service.errors} of ${service.count}) exceeds the monolith's ${pct(baseRate)} + ${pct(l.maxErrorRateIncrease)}`;
    }
    if (monolith) {
      const limit = monolith.p99 * l.maxP99Ratio + l.p99SlackMs;
      if (service.p99 > limit) {
        return `service p99 ${ms(service.p99)} over the last ${l.windowSeconds} s exceeds the monolith's ${ms(monolith.p99)} × ${l.maxP99Ratio} + ${ms(l.p99SlackMs)} = ${ms(limit)}`;
      }
    }
    return undefined;
  }

  /** After a fall back: the next decision needs answers of the new phase. */
  reset(): void {
    this.windows.service.clear();
  }
}
