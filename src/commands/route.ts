/**
 * `strangler route plan|shift|rollback|status`: options -> a pure plan (src/routing/phase-plan.ts) -> applied to
 * strangler.yaml unless --dry-run. Nothing is printed here.
 */
import { loadConfig, type LoadedConfig } from '../config/load-config.ts';
import type { ContextConfig } from '../config/schema.ts';
import { ConfigError, UsageError } from '../errors.ts';
import { applyChangesToFile } from '../routing/apply-route-plan.ts';
import { readParityVerdict } from '../routing/parity-verdict.ts';
import { parseShiftTarget, planRollback, planShift, type PhasePlan, type PhaseState } from '../routing/phase-plan.ts';
import type { ProxyStatus } from '../routing/proxy-status.ts';
import { readProxyStatus } from '../routing/read-proxy-status.ts';
import { buildRouteTable, modeOf, type RouteMode } from '../routing/route-table.ts';
import { isRouteError, parseRoute } from '../routing/route-pattern.ts';

export interface RouteCommonOptions {
  configFile: string;
  dryRun?: boolean;
}

function contextOf(loaded: LoadedConfig, domain: string, file: string): ContextConfig {
  const c = loaded.config.contexts[domain];
  if (!c) {
    const known = Object.keys(loaded.config.contexts);
    throw new ConfigError(`${file}: no context "${domain}"`, known.length ? `known contexts: ${known.join(', ')}` : 'add it under contexts:');
  }
  return c;
}

const stateOf = (c: ContextConfig): PhaseState => ({ phase: c.phase, percent: c.routing.percent });

// ---- plan ----

export interface RoutePlanResult {
  domain: string;
  serviceUrl?: string;
  routes: { route: string; phase: string; mode: RouteMode }[];
  changes: { path: string[]; from: unknown; to: unknown }[];
  applied: boolean;
}

export async function runRoutePlan(o: RouteCommonOptions & { domain: string; serviceUrl?: string }): Promise<RoutePlanResult> {
  const loaded = await loadConfig(o.configFile);
  const c = contextOf(loaded, o.domain, o.configFile);
  if (c.routes.length === 0) throw new ConfigError(`${o.configFile}: contexts.${o.domain}.routes is empty`, 'run strangler analyze --write, or list the routes ("GET /products/:id")');
  if (o.serviceUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(o.serviceUrl)) throw new UsageError(`--service-url: expected an http(s) URL, got "${o.serviceUrl}"`, 'e.g. --service-url http://127.0.0.1:4001');
  const normalized = [...new Set(c.routes.map((r) => (parseRoute(r) as Exclude<ReturnType<typeof parseRoute>, { error: string }>).text))];
  const changes: RoutePlanResult['changes'] = [];
  if (normalized.join('\n') !== c.routes.join('\n')) changes.push({ path: ['contexts', o.domain, 'routes'], from: c.routes, to: normalized });
  const serviceUrl = o.serviceUrl?.replace(/\/+$/, '') ?? c.service.url;
  if (serviceUrl !== c.service.url) changes.push({ path: ['contexts', o.domain, 'service', 'url'], from: c.service.url, to: serviceUrl });
  if (!o.dryRun && changes.length) await applyChangesToFile(loaded.file, changes);
  const table = buildRouteTable(loaded.config).entries.filter((e) => e.context === o.domain);
  return {
    domain: o.domain,
    serviceUrl,
    routes: table.map((e) => ({ route: e.route.text, phase: e.phase, mode: e.mode })),
    changes,
    applied: !o.dryRun && changes.length > 0,
  };
}

// ---- shift / rollback ----

export interface RouteShiftResult extends PhasePlan {
  applied: boolean;
  configFile: string;
}

async function applyPlan(loaded: LoadedConfig, plan: PhasePlan, dryRun?: boolean): Promise<RouteShiftResult> {
  if (plan.refusals.length) {
    throw new UsageError(`refusing to move ${plan.domain} from ${plan.from.phase} to ${plan.to.phase}: ${plan.refusals.join('; ')}`, 'or pass --force to move anyway');
  }
  if (!dryRun && plan.changes.length) await applyChangesToFile(loaded.file, plan.changes);
  return { ...plan, applied: !dryRun && plan.changes.length > 0, configFile: loaded.file };
}

export async function runRouteShift(o: RouteCommonOptions & { domain: string; to: string; force?: boolean }): Promise<RouteShiftResult> {
  const target = parseShiftTarget(o.to);
  const loaded = await loadConfig(o.configFile);
  const c = contextOf(loaded, o.domain, o.configFile);
  if (c.routes.length === 0) throw new ConfigError(`${o.configFile}: contexts.${o.domain}.routes is empty`, `list its routes first, then strangler route plan ${o.domain}`);
  const parity = await readParityVerdict(loaded.dir, o.domain);
  return applyPlan(loaded, planShift(o.domain, stateOf(c), target, parity, Boolean(o.force)), o.dryRun);
}

export async function runRouteRollback(o: RouteCommonOptions & { domain: string }): Promise<RouteShiftResult> {
  const loaded = await loadConfig(o.configFile);
  const c = contextOf(loaded, o.domain, o.configFile);
  return applyPlan(loaded, planRollback(o.domain, stateOf(c)), o.dryRun);
}

// ---- status ----

export interface RouteStatusResult {
  configFile: string;
  proxy: { admin: string; reachable: boolean; error?: string; status?: ProxyStatus };
  contexts: {
    domain: string;
    desired: PhaseState & { mode: RouteMode };
    routes: number;
    serviceUrl?: string;
    effective?: ProxyStatus['contexts'][string];
  }[];
}

export async function runRouteStatus(o: { configFile: string; domain?: string; admin?: string }): Promise<RouteStatusResult> {
  const loaded = await loadConfig(o.configFile);
  if (o.domain) contextOf(loaded, o.domain, o.configFile);
  const admin = o.admin ?? loaded.config.proxy.admin;
  const proxy = await readProxyStatus(admin);
  const domains = o.domain ? [o.domain] : Object.keys(loaded.config.contexts).filter((d) => loaded.config.contexts[d]!.routes.length > 0);
  return {
    configFile: loaded.file,
    proxy: { admin, reachable: Boolean(proxy.status), ...(proxy.error ? { error: proxy.error } : {}), ...(proxy.status ? { status: proxy.status } : {}) },
    contexts: domains.map((domain) => {
      const c = loaded.config.contexts[domain]!;
      return {
        domain,
        desired: { ...stateOf(c), mode: modeOf(c.phase) },
        routes: c.routes.filter((r) => !isRouteError(parseRoute(r))).length,
        serviceUrl: c.service.url,
        ...(proxy.status?.contexts[domain] ? { effective: proxy.status.contexts[domain] } : {}),
      };
    }),
  };
}
