/**
 * nginx (open source, 1.18+) configuration for the `http {}` context (e.g. /etc/nginx/conf.d/strangler.conf), pure.
 *
 *   - upstreams: the monolith; each service with the monolith as `backup`, so a service that fails
 *     (max_fails within the eject window) is taken out and idempotent requests retried on the monolith;
 *     a separate upstream without backup for the mirror, so shadow never sends a request to the monolith twice
 *   - the user key through maps: the configured header, then the cookie, then the JWT's payload segment of an
 *     `Authorization: Bearer` token (nginx cannot decode the `sub` claim without njs, so the whole claims
 *     segment is the key: stable for one token), then the client address
 *   - `split_clients` per context and percentage on `<context>:<key>`: MurmurHash2 of the key into
 *     [0, 100%), the first `percent` to the service, so a user keeps their side and a growing percentage only
 *     moves users from the monolith to the service
 *   - one regex location per path pattern in the route table's order (nginx tries regex locations in order),
 *     a map on the method when methods of one path go to different places
 *   - `mirror` for shadow, to an internal location that drops methods the context does not mirror
 *   - X-Forwarded-For/Proto/Host/Port, X-Request-Id propagated or created, keep-alive to upstreams,
 *     WebSocket upgrades passed through; https upstreams get SNI and certificate checks (Debian's CA bundle)
 */
import { basisPoints, groupByPath, ident, namedMethods, type GatewayModel, type GatewayRule, type NamedMethod, type PathGroup } from './gateway-model.ts';

const MONOLITH = 'strangler_monolith';
const serviceUpstream = (ctx: string) => `strangler_${ident(ctx)}`;
const mirrorUpstream = (ctx: string) => `strangler_${ident(ctx)}_mirror`;
const splitVar = (ctx: string, bp: number) => `$strangler_${ident(ctx)}_split_${bp}`;
/** Where a request goes, as the URL proxy_pass takes (scheme + upstream group). */
const monolithUrl = (m: GatewayModel) => `${m.monolith.scheme}://${MONOLITH}`;
const serviceUrl = (m: GatewayModel, ctx: string) => `${m.services[ctx]!.scheme}://${serviceUpstream(ctx)}`;
const mirrorLocation = (ctx: string) => `/_strangler/mirror/${ident(ctx)}`;

/** nginx strings in double quotes: escape `"` and `\`; `$` stays a variable only where we mean it. */
const quote = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;

const percentText = (bp: number) => `${(bp / 100).toFixed(2).replace(/\.?0+$/, '')}%`;

function upstreams(m: GatewayModel): string[] {
  const server = (u: { host: string; port: number }) => `${u.host.includes(':') ? `[${u.host}]` : u.host}:${u.port}`;
  const out = [`upstream ${MONOLITH} {`, `    server ${server(m.monolith)};`, '    keepalive 32;', '}'];
  for (const [ctx, s] of Object.entries(m.services)) {
    const eject = Math.max(1, Math.round(m.ejectSeconds[ctx] ?? 30));
    out.push(
      `upstream ${serviceUpstream(ctx)} {`,
      `    server ${server(s)} max_fails=3 fail_timeout=${eject}s;`,
      // the monolith as backup takes over when the service fails (only when both speak the same scheme)
      ...(s.scheme === m.monolith.scheme ? [`    server ${server(m.monolith)} backup;`] : []),
      '    keepalive 32;',
      '}',
    );
    if (m.rules.some((r) => r.context === ctx && r.mode === 'shadow')) out.push(`upstream ${mirrorUpstream(ctx)} {`, `    server ${server(s)};`, '    keepalive 8;', '}');
  }
  return out;
}

function userKeyMaps(m: GatewayModel): string[] {
  const steps: { source: string; value: string }[] = [{ source: `$http_${m.userKey.header.replace(/-/g, '_')}`, value: '' }];
  if (m.userKey.cookie) steps.push({ source: `$cookie_${m.userKey.cookie.replace(/-/g, '_')}`, value: '' });
  const out: string[] = [];
  steps.forEach((s, i) => {
    const self = i === 0 ? '$strangler_user_key' : `$strangler_user_key_${i}`;
    const next = i + 1 < steps.length ? `$strangler_user_key_${i + 1}` : m.userKey.jwtSub ? '$strangler_user_key_jwt' : '$remote_addr';
    out.push(`map ${s.source} ${self} {`, `    ""      ${next};`, `    default ${s.source};`, '}');
  });
  if (m.userKey.jwtSub) {
    out.push(
      'map $http_authorization $strangler_user_key_jwt {',
      '    "~^Bearer\\s+[A-Za-z0-9_-]+\\.([A-Za-z0-9_-]+)\\." $1;',
      '    default $remote_addr;',
      '}',
    );
  }
  return out;
}

/** The upstream (or split variable) a rule sends the client's request to. */
function targetOf(m: GatewayModel, r: GatewayRule | undefined): string {
  if (!r || r.mode === 'monolith' || r.mode === 'shadow') return monolithUrl(m);
  if (r.mode === 'service') return serviceUrl(m, r.context);
  return splitVar(r.context, basisPoints(r.percent));
}

function splits(m: GatewayModel): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of m.rules) {
    if (r.mode !== 'canary') continue;
    const bp = basisPoints(r.percent);
    const v = splitVar(r.context, bp);
    if (seen.has(v)) continue;
    seen.add(v);
    out.push(`split_clients "${ident(r.context)}:\${strangler_user_key}" ${v} {`, `    ${percentText(bp)} ${serviceUrl(m, r.context)};`, `    *   ${monolithUrl(m)};`, '}');
  }
  return out;
}

/** Contexts mirrored on this path, and the methods each mirrors. */
function mirrorsOf(g: PathGroup): Map<string, NamedMethod[]> {
  const out = new Map<string, NamedMethod[]>();
  for (const method of namedMethods) {
    const r = g.byMethod[method];
    if (r?.mode !== 'shadow' || !r.shadowMethods.includes(method)) continue;
    out.set(r.context, [...(out.get(r.context) ?? []), method]);
  }
  return out;
}

function location(m: GatewayModel, g: PathGroup, i: number, methodMaps: string[]): string[] {
  const targets = [...namedMethods.map((k) => targetOf(m, g.byMethod[k])), targetOf(m, g.other)];
  const rules = [...new Set([...namedMethods.map((k) => g.byMethod[k]), g.other].filter((r): r is GatewayRule => r !== undefined))];
  let target = targets[0]!;
  if (new Set(targets).size > 1) {
    const v = `$strangler_route_${i}`;
    methodMaps.push(`map $request_method ${v} {`, ...namedMethods.map((k) => `    ${k.padEnd(7)} ${targetOf(m, g.byMethod[k])};`), `    default ${targetOf(m, g.other)};`, '}');
    target = v;
  }
  const out = [`    # ${rules.map((r) => `${r.route} (${r.context}: ${r.mode}${r.mode === 'canary' ? ` ${r.percent}%` : ''})`).join('; ')}`];
  out.push(`    location ~ ${quote(g.pathRegex)} {`);
  for (const ctx of mirrorsOf(g).keys()) out.push(`        mirror ${mirrorLocation(ctx)};`);
  const only = rules.length === 1 ? rules[0]! : undefined;
  if (only && only.mode === 'service') out.push(`        proxy_read_timeout ${only.timeoutMs}ms;`);
  out.push(`        set $strangler_target ${target};`, '        proxy_pass $strangler_target;', '    }');
  return out;
}

function mirrorLocations(m: GatewayModel, groups: PathGroup[]): string[] {
  const methods = new Map<string, Set<NamedMethod>>();
  for (const g of groups) for (const [ctx, ms] of mirrorsOf(g)) ms.forEach((x) => (methods.get(ctx) ?? methods.set(ctx, new Set()).get(ctx)!).add(x));
  const out: string[] = [];
  for (const [ctx, ms] of methods) {
    out.push(
      `    # shadow: ${ctx}'s service gets a copy of ${[...ms].join(', ')} requests; its answer is discarded (nginx does not compare)`,
      `    location = ${mirrorLocation(ctx)} {`,
      '        internal;',
      `        if ($request_method !~ ^(${[...ms].join('|')})$) {`,
      '            return 204;',
      '        }',
      `        proxy_read_timeout ${m.rules.find((r) => r.context === ctx)?.timeoutMs ?? 10_000}ms;`,
      // its own variable: a subrequest shares the variables of the request it mirrors
      `        set $strangler_mirror_target ${m.services[ctx]!.scheme}://${mirrorUpstream(ctx)};`,
      ...(m.services[ctx]!.scheme === 'https' ? [`        proxy_ssl_name ${quote(m.services[ctx]!.host)};`] : []),
      '        proxy_pass $strangler_mirror_target$request_uri;',
      '    }',
    );
  }
  return out;
}

/** TLS to https upstreams: SNI and certificate checks against the upstream's own host name. */
function tls(m: GatewayModel): { maps: string[]; server: string[] } {
  const https: [string, string][] = [];
  if (m.monolith.scheme === 'https') https.push([monolithUrl(m), m.monolith.host]);
  for (const [ctx, s] of Object.entries(m.services)) {
    if (s.scheme === 'https') https.push([serviceUrl(m, ctx), s.host]);
  }
  if (https.length === 0) return { maps: [], server: [] };
  return {
    maps: ['map $strangler_target $strangler_ssl_name {', ...https.map(([url, host]) => `    ${quote(url)} ${quote(host)};`), '    default $host;', '}'],
    server: ['    proxy_ssl_server_name on;', '    proxy_ssl_name $strangler_ssl_name;', '    proxy_ssl_verify on;', '    proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;'],
  };
}

export function renderNginx(m: GatewayModel): string {
  const groups = groupByPath(m.rules);
  const methodMaps: string[] = [];
  const locations = groups.flatMap((g, i) => location(m, g, i, methodMaps));
  const listen = `${m.listen.host.includes(':') ? `[${m.listen.host}]` : m.listen.host}:${m.listen.port}`;
  const ssl = tls(m);
  const lines = [
    `# strangler route export --format nginx: contexts ${m.contexts.join(', ')}`,
    '# Generated from strangler.yaml; include it inside http {} (e.g. /etc/nginx/conf.d/strangler.conf).',
    '',
    ...upstreams(m),
    '',
    '# the user key of the sticky split: header, cookie, bearer token claims, client address',
    ...userKeyMaps(m),
    'map $http_x_request_id $strangler_request_id {',
    '    ""      $request_id;',
    '    default $http_x_request_id;',
    '}',
    'map $http_upgrade $strangler_connection {',
    '    default upgrade;',
    '    ""      "";',
    '}',
    ...splits(m),
    ...methodMaps,
    ...ssl.maps,
    '',
    'server {',
    `    listen ${listen};`,
    '    proxy_http_version 1.1;',
    '    proxy_set_header Host $host;',
    '    proxy_set_header Connection $strangler_connection;',
    '    proxy_set_header Upgrade $http_upgrade;',
    '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '    proxy_set_header X-Forwarded-Proto $scheme;',
    '    proxy_set_header X-Forwarded-Host $host;',
    '    proxy_set_header X-Forwarded-Port $server_port;',
    '    proxy_set_header X-Request-Id $strangler_request_id;',
    '    add_header X-Request-Id $strangler_request_id always;',
    '    proxy_connect_timeout 5s;',
    `    proxy_read_timeout ${m.monolithTimeoutMs}ms;`,
    '    proxy_next_upstream error timeout http_502 http_503 http_504;',
    '    proxy_next_upstream_tries 2;',
    ...ssl.server,
    '',
    ...locations,
    ...mirrorLocations(m, groups),
    '    location / {',
    `        set $strangler_target ${monolithUrl(m)};`,
    '        proxy_pass $strangler_target;',
    '    }',
    '}',
  ];
  return `${lines.join('\n')}\n`;
}
