/**
 * A schema of Kong's declarative configuration (decK, `_format_version: "3.0"`) for the entities strangler exports:
 * services (with nested routes), upstreams (with nested targets) and plugins. No npm package ships Kong's or
 * decK's schema, and Kong itself (Lua, OpenResty) is not a Debian package, so this was written for the tests from
 * Kong's own entity definitions (kong/db/schema/entities/{services,routes,upstreams,targets}.lua and
 * kong/db/schema/typedefs.lua, Kong 3.x) and decK's file format: the same field names, types, ranges, enums and
 * entity checks (hash_on/hash_fallback pairs, regex paths starting with `~/`, names, tags, weights). Unknown
 * fields are errors, as in decK's file schema.
 */
import { z } from 'zod';

const utf8Name = z.string().regex(/^[\w.\-~\u0080-\uffff]+$/, "only alphanumerics or ., -, _, and ~");
const tag = z.string().regex(/^[ !-+\--.0-~\u0080-\uffff]+$/, 'printable ascii except , and /');
const tags = z.array(tag).optional();
const port = z.number().int().min(0).max(65535);
const timeout = z.number().int().min(1).max(2 ** 31 - 2);
const hostname = z.string().regex(/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, 'a hostname');
const ipv4 = z.string().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, 'an IPv4 address');
const host = z.union([hostname, ipv4, z.string().regex(/^\[[0-9a-fA-F:]+\]$/)]);
const token = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'an HTTP token');
const path = z.string().startsWith('/').refine((p) => !p.includes('//'), 'must not have empty segments');
const protocols = ['http', 'https', 'grpc', 'grpcs', 'tcp', 'tls', 'tls_passthrough', 'udp', 'ws', 'wss'] as const;
const hashOn = z.enum(['none', 'consumer', 'ip', 'header', 'cookie', 'path', 'query_arg', 'uri_capture']);

const routerPath = z
  .string()
  .regex(/^~?\//, 'should start with: / (fixed path) or ~/ (regex path)')
  .refine((p) => !p.includes('//'), 'must not have empty segments')
  .refine((p) => !/%(?![0-9A-Fa-f]{2})/.test(p), 'invalid url-encoded value')
  .refine((p) => {
    if (!p.startsWith('~')) return true;
    try {
      new RegExp(p.slice(1));
      return true;
    } catch {
      return false;
    }
  }, 'invalid regex');

export const kongRouteSchema = z
  .strictObject({
    name: utf8Name.optional(),
    protocols: z.array(z.enum(protocols)).min(1).optional(),
    methods: z.array(z.string().regex(/^[A-Z]+$/, 'an upper-case HTTP method')).optional(),
    hosts: z.array(z.string()).optional(),
    paths: z.array(routerPath).optional(),
    headers: z.record(token.refine((h) => h.toLowerCase() !== 'host', "cannot contain 'host' header"), z.array(z.string())).optional(),
    https_redirect_status_code: z.union([z.literal(426), z.literal(301), z.literal(302), z.literal(307), z.literal(308)]).optional(),
    regex_priority: z.number().int().optional(),
    strip_path: z.boolean().optional(),
    preserve_host: z.boolean().optional(),
    request_buffering: z.boolean().optional(),
    response_buffering: z.boolean().optional(),
    path_handling: z.enum(['v0', 'v1']).optional(),
    tags,
  })
  .refine((r) => Boolean(r.methods?.length || r.hosts?.length || r.paths?.length || r.headers), 'a route needs at least one of methods, hosts, paths or headers')
  .refine((r) => !r.protocols || !(r.protocols.some((p) => p === 'http' || p === 'https') && r.protocols.some((p) => p !== 'http' && p !== 'https')), 'protocols mix mutually exclusive subsets');

const serviceSchema = z
  .strictObject({
    name: utf8Name.optional(),
    url: z.string().regex(/^https?:\/\/[^/\s]+(\/\S*)?$/, 'an http(s) URL').optional(),
    protocol: z.enum(protocols).optional(),
    host: host.optional(),
    port: port.optional(),
    path: path.optional(),
    retries: z.number().int().min(0).max(32767).optional(),
    connect_timeout: timeout.optional(),
    write_timeout: timeout.optional(),
    read_timeout: timeout.optional(),
    enabled: z.boolean().optional(),
    tags,
    routes: z.array(kongRouteSchema).optional(),
  })
  .refine((s) => s.url !== undefined || s.host !== undefined, 'a service needs url or host');

const seconds = z.number().min(0).max(65535);
const byte = z.number().int().min(0).max(255);
const statuses = z.array(z.number().int().min(100).max(999));
const healthy = z.strictObject({ interval: seconds.optional(), http_statuses: statuses.optional(), successes: byte.optional() });
const unhealthy = z.strictObject({ interval: seconds.optional(), http_statuses: statuses.optional(), tcp_failures: byte.optional(), timeouts: byte.optional(), http_failures: byte.optional() });
const checkType = z.enum(['tcp', 'http', 'https', 'grpc', 'grpcs']);

const healthchecks = z.strictObject({
  active: z
    .strictObject({
      type: checkType.optional(),
      timeout: seconds.optional(),
      concurrency: z.number().int().min(1).max(2 ** 31).optional(),
      http_path: path.optional(),
      https_sni: z.string().optional(),
      https_verify_certificate: z.boolean().optional(),
      headers: z.record(token, z.array(z.string())).optional(),
      healthy: healthy.optional(),
      unhealthy: unhealthy.optional(),
    })
    .optional(),
  passive: z.strictObject({ type: checkType.optional(), healthy: healthy.omit({ interval: true }).optional(), unhealthy: unhealthy.omit({ interval: true }).optional() }).optional(),
  threshold: z.number().min(0).max(100).optional(),
});

const targetSchema = z.strictObject({
  target: z.string().refine((t) => host.safeParse(t.replace(/:(\d+)$/, '')).success && (!/:(\d+)$/.test(t) || Number(/:(\d+)$/.exec(t)![1]) <= 65535), 'a hostname or ip address, with an optional port'),
  weight: z.number().int().min(0).max(65535).optional(),
  tags,
});

const upstreamSchema = z
  .strictObject({
    name: hostname.refine((n) => !ipv4.safeParse(n).success, 'no ip addresses allowed'),
    algorithm: z.enum(['consistent-hashing', 'least-connections', 'round-robin', 'latency']).optional(),
    hash_on: hashOn.optional(),
    hash_fallback: hashOn.optional(),
    hash_on_header: token.optional(),
    hash_fallback_header: token.optional(),
    hash_on_cookie: token.optional(),
    hash_on_cookie_path: path.optional(),
    hash_on_query_arg: z.string().min(1).optional(),
    hash_fallback_query_arg: z.string().min(1).optional(),
    hash_on_uri_capture: z.string().min(1).optional(),
    hash_fallback_uri_capture: z.string().min(1).optional(),
    slots: z.number().int().min(10).max(2 ** 16).optional(),
    healthchecks: healthchecks.optional(),
    host_header: z.string().optional(),
    use_srv_name: z.boolean().optional(),
    tags,
    targets: z.array(targetSchema).optional(),
  })
  .superRefine((u, ctx) => {
    const on = u.hash_on ?? 'none';
    const fb = u.hash_fallback ?? 'none';
    const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (on === 'header' && !u.hash_on_header) fail('hash_on header needs hash_on_header');
    if (fb === 'header' && !u.hash_fallback_header) fail('hash_fallback header needs hash_fallback_header');
    if ((on === 'cookie' || fb === 'cookie') && !u.hash_on_cookie) fail('hashing on a cookie needs hash_on_cookie');
    if ((on === 'none' || on === 'cookie') && fb !== 'none') fail(`hash_on ${on} allows no hash_fallback`);
    if (on !== 'none' && on !== 'header' && on !== 'query_arg' && on !== 'uri_capture' && fb === on) fail('hash_fallback must differ from hash_on');
    if (u.hash_on_header && u.hash_on_header === u.hash_fallback_header) fail('hash_on_header and hash_fallback_header must differ');
    if (on !== 'none' && u.algorithm && u.algorithm !== 'consistent-hashing') fail(`hash_on ${on} needs algorithm consistent-hashing`);
  });

const pluginSchema = z.strictObject({
  name: z.string().min(1),
  config: z.record(z.string(), z.unknown()).optional(),
  enabled: z.boolean().optional(),
  protocols: z.array(z.enum(protocols)).optional(),
  service: z.string().optional(),
  route: z.string().optional(),
  tags,
});

/** correlation-id's config (kong/plugins/correlation-id/schema.lua). */
const correlationIdConfig = z.strictObject({ header_name: z.string().optional(), generator: z.enum(['uuid', 'uuid#counter', 'tracker']).optional(), echo_downstream: z.boolean().optional() });

export const kongDeclarativeSchema = z
  .strictObject({
    _format_version: z.literal('3.0'),
    _transform: z.boolean().optional(),
    _workspace: z.string().optional(),
    services: z.array(serviceSchema).optional(),
    routes: z.array(kongRouteSchema).optional(),
    upstreams: z.array(upstreamSchema).optional(),
    plugins: z.array(pluginSchema).optional(),
  })
  .superRefine((doc, ctx) => {
    const unique = (what: string, names: (string | undefined)[]) => {
      const seen = new Set<string>();
      for (const n of names) {
        if (n === undefined) continue;
        if (seen.has(n)) ctx.addIssue({ code: 'custom', message: `${what} name ${n} is used twice` });
        seen.add(n);
      }
    };
    unique('service', (doc.services ?? []).map((s) => s.name));
    unique('route', [...(doc.services ?? []).flatMap((s) => (s.routes ?? []).map((r) => r.name)), ...(doc.routes ?? []).map((r) => r.name)]);
    unique('upstream', (doc.upstreams ?? []).map((u) => u.name));
    for (const p of doc.plugins ?? []) {
      if (p.name === 'correlation-id' && !correlationIdConfig.safeParse(p.config ?? {}).success) ctx.addIssue({ code: 'custom', message: 'correlation-id: invalid config' });
    }
  });
