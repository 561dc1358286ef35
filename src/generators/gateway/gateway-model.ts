/**
 * The one model every gateway export renders (pure): strangler.yaml's route table, as the proxy sees it, turned
 * into what a production gateway needs.
 *
 *   1. buildGatewayModel   config + which contexts -> upstreams (the monolith, each context's service), the user key,
 *                          and the rules in the route table's order (most specific first), each with its methods,
 *                          an anchored path regex, and what answers it (monolith, shadow, canary percent, service)
 *   2. pathRegex           `/products/:id` -> `^/products/[^/]+/?$`, matching exactly the paths matchesPath does
 *   3. groupByPath         rules -> one entry per path pattern with the rule each method ends at (for gateways
 *                          such as nginx whose locations match paths only), falling through to the next rule that
 *                          covers the path, as the proxy's table does
 */
import type { StranglerConfig } from '../../config/schema.ts';
import { ConfigError } from '../../errors.ts';
import { buildRouteTable, type RouteMode } from '../../routing/route-table.ts';
import type { RoutePattern } from '../../routing/route-pattern.ts';

export const gatewayFormats = ['nginx', 'haproxy', 'kong', 'istio'] as const;
export type GatewayFormat = (typeof gatewayFormats)[number];

/** Methods a gateway can name; `ANY` in a route means all of them (and any other). */
export const namedMethods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type NamedMethod = (typeof namedMethods)[number];

export interface Upstream {
  /** `monolith`, or the context's name. */
  name: string;
  url: string;
  scheme: 'http' | 'https';
  host: string;
  port: number;
}

export interface GatewayRule {
  /** Position in the route table (0 = most specific). */
  index: number;
  context: string;
  /** The route as written in strangler.yaml, e.g. `GET /products/:id`. */
  route: string;
  pattern: RoutePattern;
  /** Methods matched; undefined for ANY. A GET route also answers HEAD, as the proxy's does. */
  methods?: NamedMethod[];
  pathRegex: string;
  mode: RouteMode;
  /** Share of users on the service, 0..100 (canary only; 100 at service, 0 otherwise). */
  percent: number;
  /** Methods mirrored to the service in shadow (safe methods unless allowed). */
  shadowMethods: NamedMethod[];
  timeoutMs: number;
}

export interface UserKey {
  header: string;
  cookie?: string;
  jwtSub: boolean;
}

export interface GatewayModel {
  /** The contexts exported (one, or every context with routes). */
  contexts: string[];
  listen: { host: string; port: number };
  monolith: Upstream;
  /** The service of each exported context that gets traffic (shadow, canary or service), by context name. */
  services: Record<string, Upstream>;
  rules: GatewayRule[];
  userKey: UserKey;
  monolithTimeoutMs: number;
  /** Seconds a failing service is taken out of rotation (routing.guardrails.ejectSeconds), by context. */
  ejectSeconds: Record<string, number>;
}

function upstreamOf(name: string, url: string, where: string, file: string): Upstream {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(`${file}: ${where} is not a URL ("${url}")`, 'use an http(s) URL such as http://127.0.0.1:4001');
  }
  const scheme = u.protocol === 'https:' ? 'https' : 'http';
  if (u.pathname !== '/' && u.pathname !== '') throw new ConfigError(`${file}: ${where} has a path (${u.pathname}); gateways route the request's own path`, 'use the base URL only, e.g. http://catalog:4001');
  return { name, url: `${scheme}://${u.host}`, scheme, host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : scheme === 'https' ? 443 : 80 };
}

// 2.
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function pathRegex(pattern: RoutePattern): string {
  let re = '^';
  for (const s of pattern.segments) {
    if (s.kind === 'rest') return `${re}(/.*)?$`;
    re += s.kind === 'literal' ? `/${escapeRegex(s.value)}` : '/[^/]+';
  }
  return pattern.segments.length === 0 ? '^/$' : `${re}/?$`;
}

function methodsOf(method: RoutePattern['method']): NamedMethod[] | undefined {
  if (method === 'ANY') return undefined;
  return method === 'GET' ? ['GET', 'HEAD'] : [method];
}

function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i), port: Number(listen.slice(i + 1)) };
}

// 1.
export function buildGatewayModel(config: StranglerConfig, options: { domain?: string; file: string }): GatewayModel {
  const file = options.file;
  if (options.domain !== undefined && !config.contexts[options.domain]) {
    const known = Object.keys(config.contexts);
    throw new ConfigError(`${file}: no context "${options.domain}"`, known.length ? `known contexts: ${known.join(', ')}; or use --all` : 'add it under contexts:');
  }
  const contexts = options.domain !== undefined ? [options.domain] : Object.keys(config.contexts).filter((d) => config.contexts[d]!.routes.length > 0);
  if (contexts.length === 0) throw new ConfigError(`${file}: no context has routes to export`, 'list routes under contexts.<name>.routes, or run strangler context add');
  for (const d of contexts) {
    if (config.contexts[d]!.routes.length === 0) throw new ConfigError(`${file}: contexts.${d}.routes is empty, nothing to export`, `list its routes ("GET /products/:id"), then strangler route plan ${d}`);
  }
  if (!config.monolith.url) throw new ConfigError(`${file}: monolith.url is not set; the gateway needs it as the default upstream`, 'set monolith.url to the monolith\'s base URL, e.g. http://monolith:3000');
  const monolith = upstreamOf('monolith', config.monolith.url, 'monolith.url', file);
  const entries = buildRouteTable(config).entries.filter((e) => contexts.includes(e.context));
  const services: Record<string, Upstream> = {};
  const rules = entries.map((e, index): GatewayRule => {
    const c = config.contexts[e.context]!;
    if (e.mode !== 'monolith') {
      if (!e.serviceUrl) {
        throw new ConfigError(`${file}: contexts.${e.context}.service.url is not set, but ${e.route.text} is in ${e.phase}`, `set it to the service's base URL (strangler route plan ${e.context} --service-url <url>)`);
      }
      services[e.context] ??= upstreamOf(e.context, e.serviceUrl, `contexts.${e.context}.service.url`, file);
    }
    return {
      index,
      context: e.context,
      route: e.route.text,
      pattern: e.route,
      methods: methodsOf(e.route.method),
      pathRegex: pathRegex(e.route),
      // a share below the gateways' 0.01% step is no canary yet; a full one is the service
      mode: e.mode === 'canary' && basisPoints(e.percent) <= 0 ? 'monolith' : e.mode === 'canary' && basisPoints(e.percent) >= 10_000 ? 'service' : e.mode,
      percent: e.percent,
      shadowMethods: e.shadowMethods.filter((m): m is NamedMethod => m !== 'ANY'),
      timeoutMs: c.routing.timeoutMs,
    };
  });
  return {
    contexts,
    listen: parseListen(config.proxy.listen),
    monolith,
    services,
    rules,
    userKey: { header: config.proxy.userKey.header.toLowerCase(), cookie: config.proxy.userKey.cookie, jwtSub: config.proxy.userKey.jwtSub },
    monolithTimeoutMs: config.proxy.monolithTimeoutMs,
    ejectSeconds: Object.fromEntries(contexts.map((d) => [d, config.contexts[d]!.routing.guardrails.ejectSeconds])),
  };
}

// 3.
/** Does every path that `inner` matches also match `outer`? */
export function covers(outer: RoutePattern, inner: RoutePattern): boolean {
  for (const [i, o] of outer.segments.entries()) {
    if (o.kind === 'rest') return true;
    const s = inner.segments[i];
    if (!s || s.kind === 'rest') return false;
    if (o.kind === 'literal' && (s.kind !== 'literal' || s.value !== o.value)) return false;
  }
  return inner.segments.length === outer.segments.length;
}

export interface PathGroup {
  pathRegex: string;
  pattern: RoutePattern;
  /** The rule that answers each named method on this path (undefined: the monolith, by default). */
  byMethod: Record<NamedMethod, GatewayRule | undefined>;
  /** The rule for methods outside namedMethods. */
  other?: GatewayRule;
}

const matchesMethod = (r: GatewayRule, m: NamedMethod | undefined) => r.methods === undefined || (m !== undefined && r.methods.includes(m));

export function groupByPath(rules: GatewayRule[]): PathGroup[] {
  const groups: PathGroup[] = [];
  const seen = new Set<string>();
  for (const r of rules) {
    if (seen.has(r.pathRegex)) continue;
    seen.add(r.pathRegex);
    const candidates = rules.filter((x) => x.pathRegex === r.pathRegex || covers(x.pattern, r.pattern));
    const pick = (m: NamedMethod | undefined) => candidates.find((x) => matchesMethod(x, m));
    groups.push({
      pathRegex: r.pathRegex,
      pattern: r.pattern,
      byMethod: Object.fromEntries(namedMethods.map((m) => [m, pick(m)])) as PathGroup['byMethod'],
      other: pick(undefined),
    });
  }
  return groups;
}

/** The weight of the service in a canary, in hundredths of a percent (0..10000): the gateways' split unit. */
export const basisPoints = (percent: number) => Math.round(percent * 100);

/** A name safe in every gateway's identifiers: lower-case letters, digits and `_`. */
export const ident = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '_');
