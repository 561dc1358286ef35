/**
 * The route table: every context's routes with the phase that decides who answers them (pure).
 *
 *   1. buildRouteTable   contexts.<d>.routes + phase + per-route overrides -> entries, most specific first
 *   2. matchRoute        method + path -> the entry that routes it, or undefined (the monolith answers)
 *   3. modeOf            a phase -> how the proxy treats the request (monolith, shadow, canary, service)
 */
import type { ContextPhase, StranglerConfig } from '../config/schema.ts';
import { isRouteError, matchesPath, parseRoute, specificity, type RoutePattern } from './route-pattern.ts';

export type RouteMode = 'monolith' | 'shadow' | 'canary' | 'service';

export interface RouteEntry {
  context: string;
  route: RoutePattern;
  phase: ContextPhase;
  /** Share of users on the service: 0 before canary, routing.percent at canary, 100 at service and retired. */
  percent: number;
  mode: RouteMode;
  serviceUrl?: string;
  /** Methods mirrored in shadow. */
  shadowMethods: readonly string[];
}

export interface RouteTable {
  entries: RouteEntry[];
}

// 3.
export function modeOf(phase: ContextPhase): RouteMode {
  switch (phase) {
    case 'shadow':
      return 'shadow';
    case 'canary':
      return 'canary';
    case 'service':
    case 'retired':
      return 'service';
    default:
      return 'monolith';
  }
}

export function percentOf(phase: ContextPhase, canaryPercent: number): number {
  const mode = modeOf(phase);
  return mode === 'service' ? 100 : mode === 'canary' ? canaryPercent : 0;
}

// 1.
export function buildRouteTable(config: StranglerConfig): RouteTable {
  const entries: RouteEntry[] = [];
  for (const [context, c] of Object.entries(config.contexts)) {
    const overrides = new Map(Object.entries(c.routing.overrides).map(([k, v]) => [(parseRoute(k) as RoutePattern).text, v]));
    for (const text of c.routes) {
      const route = parseRoute(text);
      if (isRouteError(route)) continue; // the schema refuses these
      const o = overrides.get(route.text);
      const phase = o?.phase ?? c.phase;
      entries.push({
        context,
        route,
        phase,
        percent: percentOf(phase, o?.percent ?? c.routing.percent),
        mode: modeOf(phase),
        serviceUrl: c.service.url,
        shadowMethods: c.routing.shadowMethods,
      });
    }
  }
  entries.sort((a, b) => specificity(b.route) - specificity(a.route));
  return { entries };
}

// 2.
export function matchRoute(table: RouteTable, method: string, path: string): RouteEntry | undefined {
  const m = method.toUpperCase();
  for (const e of table.entries) {
    if (e.route.method !== 'ANY' && e.route.method !== m && !(m === 'HEAD' && e.route.method === 'GET')) continue;
    if (matchesPath(e.route, path)) return e;
  }
  return undefined;
}
