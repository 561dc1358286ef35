/**
 * What the proxy's admin port answers on GET /status: the routing state it is applying right now.
 * `strangler route status` and `strangler status` read it; the proxy writes it. Version the shape, never break it.
 */
import type { ContextPhase } from '../config/schema.ts';

export interface PhaseAndPercent {
  phase: ContextPhase;
  /** Share of users on the service (0..100); 0 before `canary`, 100 at `service`. */
  percent: number;
}

export interface ProxyRollback {
  /** ISO time the proxy fell back by itself. */
  at: string;
  /** One sentence: which limit was crossed, with the measured and allowed figures. */
  reason: string;
  from: PhaseAndPercent;
  to: PhaseAndPercent;
}

export interface ProxyContextStatus {
  /** What strangler.yaml asks for. */
  desired: PhaseAndPercent;
  /** What the proxy applies (differs from desired after an automatic rollback). */
  effective: PhaseAndPercent;
  rollbacks: ProxyRollback[];
  requests: { monolith: number; service: number };
  errors5xx: { monolith: number; service: number };
  shadow: { compared: number; mismatches: number };
  /** ISO time until which the service is ejected after failing (outlier detection), when it is. */
  serviceEjectedUntil?: string;
}

export interface ProxyStatus {
  version: 1;
  /** ISO times. */
  startedAt: string;
  configFile: string;
  configLoadedAt: string;
  /** The last rejected reload of strangler.yaml, when the file on disk is not the one applied. */
  lastReloadError?: string;
  contexts: Record<string, ProxyContextStatus>;
}
