/**
 * Kong declarative configuration (decK, `_format_version: "3.0"`), pure.
 *
 *   - service `strangler-monolith` (monolith.url) with a catch-all route, and the routes of monolith and shadow rules
 *   - service `strangler-<context>` (service.url) with the routes at `service`
 *   - a canary: service `strangler-<context>-canary` on upstream `strangler-<context>-canary` whose two targets,
 *     the monolith and the service, weigh (100 - percent) x 100 and percent x 100; the upstream hashes on the user
 *     key header (consistent hashing), falling back to a cookie that Kong sets itself when the request has none,
 *     so each user stays on one target. Passive health checks take a failing target out; active TCP checks
 *     bring it back after the context's eject window
 *   - every rule route names its methods and a `~` regex path, with regex_priority in the route table's order,
 *     strip_path off and the client's Host kept; correlation-id sets X-Request-Id
 * Kong (open source) has no request mirroring: shadow routes go to the monolith only. The hash ring follows the
 * target weights approximately, not to the point; it does not read a JWT's `sub`.
 */
import { stringify } from 'yaml';
import { basisPoints, namedMethods, type GatewayModel, type GatewayRule, type Upstream } from './gateway-model.ts';

const name = (s: string) => s.toLowerCase().replace(/[^a-z0-9.~_-]+/g, '-');
const target = (u: Upstream) => `${u.host.includes(':') ? `[${u.host}]` : u.host}:${u.port}`;
const DEFAULT_COOKIE = 'strangler_user';

interface KongRoute {
  name: string;
  paths: string[];
  methods?: string[];
  regex_priority?: number;
  strip_path: boolean;
  preserve_host: boolean;
  protocols: string[];
  tags: string[];
}

function routeOf(r: GatewayRule, total: number): KongRoute {
  return {
    name: name(`strangler-${r.context}-${r.index}`),
    // Kong's regex paths start with `~/` and are anchored at the start of the path by Kong
    paths: [`~${r.pathRegex.replace(/^\^/, '')}`],
    // an ANY route still names every method, so Kong ranks it by regex_priority among the others
    methods: [...(r.methods ?? namedMethods)],
    regex_priority: total - r.index,
    strip_path: false,
    preserve_host: true,
    protocols: ['http', 'https'],
    tags: ['strangler', `strangler-context-${name(r.context)}`, `strangler-${r.mode}`],
  };
}

function canaryUpstream(m: GatewayModel, ctx: string, percent: number) {
  const eject = Math.max(1, Math.round(m.ejectSeconds[ctx] ?? 30));
  const bp = basisPoints(percent);
  return {
    name: name(`strangler-${ctx}-canary-${bp}`),
    algorithm: 'consistent-hashing',
    hash_on: 'header',
    hash_on_header: m.userKey.header,
    hash_fallback: 'cookie',
    hash_on_cookie: m.userKey.cookie ?? DEFAULT_COOKIE,
    hash_on_cookie_path: '/',
    healthchecks: {
      passive: { type: 'http', unhealthy: { http_failures: 5, tcp_failures: 2, timeouts: 3 } },
      active: { type: 'tcp', timeout: 1, healthy: { interval: eject, successes: 1 }, unhealthy: { interval: eject, tcp_failures: 3, timeouts: 3 } },
    },
    targets: [
      { target: target(m.monolith), weight: 10_000 - bp },
      { target: target(m.services[ctx]!), weight: bp },
    ],
    tags: ['strangler', `strangler-context-${name(ctx)}`],
  };
}

export function renderKong(m: GatewayModel): string {
  const total = m.rules.length;
  const services: Record<string, unknown>[] = [];
  const upstreams: unknown[] = [];
  const monolithRoutes = m.rules.filter((r) => r.mode === 'monolith' || r.mode === 'shadow').map((r) => routeOf(r, total));
  const catchAll = { name: 'strangler-monolith-default', paths: ['/'], strip_path: false, preserve_host: true, protocols: ['http', 'https'], tags: ['strangler'] };
  services.push({ name: 'strangler-monolith', url: m.monolith.url, read_timeout: m.monolithTimeoutMs, tags: ['strangler'], routes: [...monolithRoutes, catchAll] });
  for (const ctx of m.contexts) {
    const mine = m.rules.filter((r) => r.context === ctx);
    const timeout = mine[0]?.timeoutMs ?? 10_000;
    const toService = mine.filter((r) => r.mode === 'service');
    if (toService.length) services.push({ name: name(`strangler-${ctx}`), url: m.services[ctx]!.url, read_timeout: timeout, retries: 1, tags: ['strangler'], routes: toService.map((r) => routeOf(r, total)) });
    for (const percent of new Set(mine.filter((r) => r.mode === 'canary').map((r) => r.percent))) {
      const up = canaryUpstream(m, ctx, percent);
      upstreams.push(up);
      const routes = mine.filter((r) => r.mode === 'canary' && r.percent === percent).map((r) => routeOf(r, total));
      services.push({ name: up.name, host: up.name, port: m.services[ctx]!.port, protocol: m.services[ctx]!.scheme, read_timeout: timeout, retries: 1, tags: ['strangler'], routes });
    }
  }
  const doc = {
    _format_version: '3.0',
    services,
    ...(upstreams.length ? { upstreams } : {}),
    plugins: [{ name: 'correlation-id', config: { header_name: 'X-Request-Id', generator: 'uuid', echo_downstream: true }, tags: ['strangler'] }],
  };
  const head = `# strangler route export --format kong: contexts ${m.contexts.join(', ')}\n# Generated from strangler.yaml; decK declarative configuration (deck gateway sync <this file>).\n`;
  return head + stringify(doc, { lineWidth: 0 });
}
