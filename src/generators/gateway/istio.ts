/**
 * Istio VirtualService + DestinationRules (networking.istio.io/v1beta1), pure. The VirtualService binds the
 * monolith's host, so traffic the mesh sends to the monolith is routed by the route table, in its order:
 *
 *   - monolith: the monolith; service: the service (with its timeout)
 *   - shadow: the monolith answers; the methods the context mirrors also go to the service through `mirror` with
 *     `mirrorPercentage: 100` (Envoy discards the mirrored answer)
 *   - canary: Istio's weights are drawn per request, so stickiness is kept with cookies matched in headers: a
 *     request carrying `strangler-<context>=service` goes to the service, `=monolith` to the monolith; any other
 *     is split by the weights (percent / 100 - percent), and the side it lands on sets that cookie on its answer
 *     (Max-Age 30 days, renewed on every answer). Users pinned before a percentage change keep their side; the
 *     new percentage applies to users not pinned yet
 *   - DestinationRule per service: consistentHash on the user key header (a user stays on one service pod) and
 *     outlierDetection (consecutive 5xx / gateway errors eject a pod for the context's eject window)
 * The objects are typed with the models @kubernetes-models/istio generates from Istio's CRDs (types only: a field
 * the CRD does not declare fails the type check), and the tests validate the output with the same package.
 */
type HttpRoute = NonNullable<NonNullable<IVirtualService['spec']>['http']>[number];
type HttpMatch = NonNullable<HttpRoute['match']>[number];
type Headers = NonNullable<NonNullable<HttpRoute['route']>[number]['headers']>;
import type { IDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule';
import type { IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import { stringify } from 'yaml';
import { basisPoints, ident, namedMethods, type GatewayModel, type GatewayRule, type NamedMethod, type Upstream } from './gateway-model.ts';

const API = 'networking.istio.io/v1beta1' as const;
const PIN_MAX_AGE = 30 * 24 * 3600;
const cookieOf = (ctx: string) => `strangler-${ident(ctx).replace(/_/g, '-')}`;
const k8sName = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'strangler';

const destination = (u: Upstream) => ({ host: u.host, port: { number: u.port } });
const methodMatch = (methods: readonly NamedMethod[]) => ({ regex: `^(${methods.join('|')})$` });

function matchOf(r: GatewayRule, methods: readonly NamedMethod[] | undefined, cookie?: string): HttpMatch {
  return {
    uri: { regex: r.pathRegex },
    ...(methods ? { method: methodMatch(methods) } : {}),
    ...(cookie ? { headers: { cookie: { regex: `^(.*;\\s*)?${cookie}(;.*)?$` } } } : {}),
  };
}

const setCookie = (ctx: string, side: string): Headers => ({ response: { add: { 'set-cookie': `${cookieOf(ctx)}=${side}; Path=/; Max-Age=${PIN_MAX_AGE}; HttpOnly; SameSite=Lax` } } });
const timeoutOf = (ms: number) => `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;

function httpRoutes(m: GatewayModel, r: GatewayRule): HttpRoute[] {
  const name = k8sName(`${r.context}-${r.index}`);
  const monolith = { destination: destination(m.monolith) };
  if (r.mode === 'monolith') return [{ name, match: [matchOf(r, r.methods)], route: [monolith] }];
  const service = m.services[r.context]!;
  if (r.mode === 'service') return [{ name, match: [matchOf(r, r.methods)], route: [{ destination: destination(service) }], timeout: timeoutOf(r.timeoutMs) }];
  if (r.mode === 'shadow') {
    const methods = r.methods ?? namedMethods;
    const mirrored = methods.filter((x) => r.shadowMethods.includes(x));
    const out: HttpRoute[] = [];
    if (mirrored.length) out.push({ name: `${name}-shadow`, match: [matchOf(r, mirrored)], route: [monolith], mirror: destination(service), mirrorPercentage: { value: 100 } });
    out.push({ name, match: [matchOf(r, r.methods)], route: [monolith] });
    return out;
  }
  const cookie = cookieOf(r.context);
  const bp = basisPoints(r.percent);
  return [
    { name: `${name}-pinned-service`, match: [matchOf(r, r.methods, `${cookie}=service`)], route: [{ destination: destination(service), headers: setCookie(r.context, 'service') }], timeout: timeoutOf(r.timeoutMs) },
    { name: `${name}-pinned-monolith`, match: [matchOf(r, r.methods, `${cookie}=monolith`)], route: [{ ...monolith, headers: setCookie(r.context, 'monolith') }] },
    {
      name: `${name}-canary`,
      match: [matchOf(r, r.methods)],
      route: [
        { destination: destination(service), weight: Math.round(bp / 100), headers: setCookie(r.context, 'service') },
        { ...monolith, weight: 100 - Math.round(bp / 100), headers: setCookie(r.context, 'monolith') },
      ],
      timeout: timeoutOf(r.timeoutMs),
    },
  ];
}

function destinationRule(m: GatewayModel, ctx: string, u: Upstream): IDestinationRule {
  const eject = Math.max(1, Math.round(m.ejectSeconds[ctx] ?? 30));
  return {
    apiVersion: API,
    kind: 'DestinationRule',
    metadata: { name: k8sName(`strangler-${ctx}`), labels: { 'app.kubernetes.io/managed-by': 'strangler' } },
    spec: {
      host: u.host,
      trafficPolicy: {
        loadBalancer: { consistentHash: { httpHeaderName: m.userKey.header } },
        outlierDetection: { consecutive5xxErrors: 5, consecutiveGatewayErrors: 3, interval: '10s', baseEjectionTime: `${eject}s`, maxEjectionPercent: 100 },
        ...(u.scheme === 'https' ? { tls: { mode: 'SIMPLE', sni: u.host } } : {}),
      },
    },
  };
}

export function renderIstio(m: GatewayModel): string {
  const virtualService: IVirtualService = {
    apiVersion: API,
    kind: 'VirtualService',
    metadata: { name: k8sName(`strangler-${m.monolith.host}`), labels: { 'app.kubernetes.io/managed-by': 'strangler' } },
    spec: {
      hosts: [m.monolith.host],
      http: [
        ...m.rules.flatMap((r) => httpRoutes(m, r)),
        { name: 'monolith-default', route: [{ destination: destination(m.monolith) }], timeout: timeoutOf(m.monolithTimeoutMs) },
      ],
    },
  };
  const docs = [virtualService, ...Object.entries(m.services).map(([ctx, u]) => destinationRule(m, ctx, u))];
  const head = `# strangler route export --format istio: contexts ${m.contexts.join(', ')}\n# Generated from strangler.yaml (kubectl apply -f <this file>).\n`;
  return head + docs.map((d) => `---\n${stringify(d, { lineWidth: 0 })}`).join('');
}
