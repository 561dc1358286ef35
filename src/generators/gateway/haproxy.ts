/**
 * HAProxy (2.6+) configuration, pure. A full haproxy.cfg: global, defaults, one frontend, one backend per side.
 *
 * The sticky split hashes the user key into a bucket per context instead of balancing one two-server backend:
 *   user key  = the configured header, else the cookie, else the JWT's `sub` (http_auth_bearer,jwt_payload_query),
 *               else the client address
 *   bucket    = xxh32(key, seed of the context) mod 10000
 *   service   when bucket < percent x 100
 * Why not `balance hdr()` + `hash-type consistent` over two servers: a consistent-hash ring only approximates the
 * weights (the share can sit points away from the percentage) and falls back to round robin without the header;
 * the bucket gives the exact share at 0.01% steps, the same side for a key on every request and every HAProxy
 * node, and a growing percentage only adds buckets, so nobody moves back to the monolith. Each side keeps its
 * own backend, with its own health checks: `observe layer7` marks a service that keeps failing down
 * (error-limit), `downinter` brings it back after the context's eject window, and while it is down
 * `nbsrv() gt 0` sends its users to the monolith.
 * HAProxy cannot mirror requests without the SPOE spoa-mirror agent: shadow routes go to the monolith only.
 */
import { basisPoints, ident, type GatewayModel, type GatewayRule, type Upstream } from './gateway-model.ts';

const MONOLITH = 'strangler_monolith';
const backendOf = (ctx: string) => `strangler_${ident(ctx)}`;
const bucketVar = (ctx: string) => `txn.strangler_bucket_${ident(ctx)}`;

/** FNV-1a of the context name: the xxh32 seed, so contexts split their users independently. */
function seedOf(ctx: string): number {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(ctx)) h = Math.imul(h ^ ch, 0x01000193) >>> 0;
  return h;
}

/** HAProxy's strong quoting: nothing inside single quotes is interpreted (no escapes, no variables). */
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function server(name: string, u: Upstream, extra: string): string {
  const addr = `${u.host.includes(':') ? `[${u.host}]` : u.host}:${u.port}`;
  const tls = u.scheme === 'https' ? ` ssl verify required ca-file @system-ca sni str(${u.host})` : '';
  return `    server ${name} ${addr}${tls} ${extra}`;
}

function userKey(m: GatewayModel): string[] {
  const k = 'txn.strangler_key';
  const unset = `!{ var(${k}) -m found }`;
  const h = m.userKey.header;
  const out = [`    http-request set-var(${k}) req.hdr(${h}) if { req.hdr(${h}) -m len gt 0 }`];
  if (m.userKey.cookie) out.push(`    http-request set-var(${k}) req.cook(${m.userKey.cookie}) if ${unset} { req.cook(${m.userKey.cookie}) -m len gt 0 }`);
  if (m.userKey.jwtSub) out.push(`    http-request set-var(${k}) http_auth_bearer,jwt_payload_query('$.sub') if ${unset} { http_auth_bearer -m found }`);
  out.push(`    http-request set-var(${k}) src if ${unset}`);
  for (const ctx of new Set(m.rules.filter((r) => r.mode === 'canary').map((r) => r.context))) {
    out.push(`    http-request set-var(${bucketVar(ctx)}) var(${k}),xxh32(${seedOf(ctx)}),mod(10000)`);
  }
  return out;
}

function useBackend(r: GatewayRule): string[] {
  const acl = `strangler_r${r.index}`;
  const cond = r.methods ? `${acl}_path ${acl}_method` : `${acl}_path`;
  const out = [`    # ${r.route} (${r.context}: ${r.mode}${r.mode === 'canary' ? ` ${r.percent}%` : ''})`, `    acl ${acl}_path path_reg ${quote(r.pathRegex)}`];
  if (r.methods) out.push(`    acl ${acl}_method method ${r.methods.join(' ')}`);
  const up = `{ nbsrv(${backendOf(r.context)}) gt 0 }`;
  if (r.mode === 'service') out.push(`    use_backend ${backendOf(r.context)} if ${cond} ${up}`);
  if (r.mode === 'canary') out.push(`    use_backend ${backendOf(r.context)} if ${cond} { var(${bucketVar(r.context)}) -m int lt ${basisPoints(r.percent)} } ${up}`);
  out.push(`    use_backend ${MONOLITH} if ${cond}`);
  return out;
}

function backends(m: GatewayModel): string[] {
  const out = ['', `backend ${MONOLITH}`, server('monolith', m.monolith, 'check inter 2s fall 3 rise 2')];
  for (const [ctx, s] of Object.entries(m.services)) {
    const timeout = m.rules.find((r) => r.context === ctx)?.timeoutMs ?? 10_000;
    const downinter = Math.max(1, Math.round((m.ejectSeconds[ctx] ?? 30) / 2));
    out.push(
      '',
      `backend ${backendOf(ctx)}`,
      `    timeout server ${timeout}ms`,
      '    retry-on conn-failure empty-response response-timeout',
      '    retries 1',
      server(ctx, s, `weight 100 check inter 2s fall 3 rise 2 downinter ${downinter}s observe layer7 error-limit 10 on-error mark-down`),
    );
  }
  return out;
}

export function renderHaproxy(m: GatewayModel): string {
  const listen = `${m.listen.host.includes(':') ? `[${m.listen.host}]` : m.listen.host}:${m.listen.port}`;
  const lines = [
    `# strangler route export --format haproxy: contexts ${m.contexts.join(', ')}`,
    '# Generated from strangler.yaml. Check it with: haproxy -c -f <this file>',
    'global',
    '    maxconn 4096',
    '',
    'defaults',
    '    mode http',
    '    option forwardfor',
    '    option http-keep-alive',
    '    timeout connect 5s',
    '    timeout client 30s',
    `    timeout server ${m.monolithTimeoutMs}ms`,
    '    timeout http-request 10s',
    '    timeout http-keep-alive 10s',
    '    timeout tunnel 1h',
    '',
    'frontend strangler',
    `    bind ${listen}`,
    '    http-request set-header X-Request-Id %[uuid()] unless { req.hdr(x-request-id) -m len gt 0 }',
    '    http-request set-var(txn.strangler_request_id) req.hdr(x-request-id)',
    '    http-response set-header X-Request-Id %[var(txn.strangler_request_id)]',
    '    http-request set-header X-Forwarded-Proto %[ssl_fc,iif(https,http)]',
    '    http-request set-header X-Forwarded-Host %[req.hdr(host)] if { req.hdr(host) -m found }',
    '    http-request set-header X-Forwarded-Port %[dst_port]',
    '    # the user key of the sticky split, then one bucket (0..9999) per context in canary',
    ...userKey(m),
    ...m.rules.flatMap(useBackend),
    `    default_backend ${MONOLITH}`,
    ...backends(m),
  ];
  return `${lines.join('\n')}\n`;
}
