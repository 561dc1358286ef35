/**
 * The proxy's Prometheus metrics (prom-client, its own registry): requests, upstream errors and latency per
 * route, context and target; shadow comparisons and mismatches; automatic rollbacks; client errors.
 * Label children are cached per route entry so a request costs a few increments, not label hashing.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Target = 'monolith' | 'service';

export interface RouteLabels {
  route: string;
  context: string;
}

interface Children {
  requests: Map<string, Counter.Internal>;
  duration: Histogram.Internal<string>;
}

export class ProxyMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'strangler_proxy_requests_total', help: 'Requests answered, by route, context, target and status class', labelNames: ['route', 'context', 'target', 'status'], registers: [this.registry] });
  private readonly duration = new Histogram({
    name: 'strangler_proxy_request_duration_seconds',
    help: 'Time to the upstream answer head, by route, context and target',
    labelNames: ['route', 'context', 'target'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly upstreamErrors = new Counter({ name: 'strangler_proxy_upstream_errors_total', help: 'Upstream failures (refused, reset, timeout), by context, target and kind', labelNames: ['context', 'target', 'kind'], registers: [this.registry] });
  private readonly retries = new Counter({ name: 'strangler_proxy_retries_total', help: 'Failed idempotent service requests answered by the monolith instead', labelNames: ['context'], registers: [this.registry] });
  private readonly shadowCompared = new Counter({ name: 'strangler_proxy_shadow_compared_total', help: 'Mirrored requests compared', labelNames: ['context'], registers: [this.registry] });
  private readonly shadowMismatches = new Counter({ name: 'strangler_proxy_shadow_mismatches_total', help: 'Mirrored requests whose service answer differed', labelNames: ['context'], registers: [this.registry] });
  private readonly shadowDropped = new Counter({ name: 'strangler_proxy_shadow_dropped_total', help: 'Requests not mirrored because the shadow queue was full or the answer too large', labelNames: ['context', 'why'], registers: [this.registry] });
  private readonly rollbacks = new Counter({ name: 'strangler_proxy_rollbacks_total', help: 'Automatic fall backs to the previous phase', labelNames: ['context', 'from', 'to'], registers: [this.registry] });
  private readonly ejections = new Counter({ name: 'strangler_proxy_ejections_total', help: 'Times the service was ejected after a connection failure', labelNames: ['context'], registers: [this.registry] });
  private readonly clientErrors = new Counter({ name: 'strangler_proxy_client_errors_total', help: 'Malformed, oversized, slow or aborted client requests', labelNames: ['kind'], registers: [this.registry] });
  private readonly reloads = new Counter({ name: 'strangler_proxy_config_reloads_total', help: 'strangler.yaml reloads, by result', labelNames: ['result'], registers: [this.registry] });
  readonly inFlight = new Gauge({ name: 'strangler_proxy_in_flight_requests', help: 'Requests being proxied', registers: [this.registry] });
  private readonly cache = new Map<string, Children>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'strangler_proxy_' });
  }

  private children(l: RouteLabels, target: Target): Children {
    const key = `${l.route}\u0000${l.context}\u0000${target}`;
    let c = this.cache.get(key);
    if (!c) {
      c = { requests: new Map(), duration: this.duration.labels(l.route, l.context, target) };
      this.cache.set(key, c);
    }
    return c;
  }

  answered(l: RouteLabels, target: Target, status: number, seconds: number): void {
    const c = this.children(l, target);
    const cls = status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'error';
    let r = c.requests.get(cls);
    if (!r) {
      r = this.requests.labels(l.route, l.context, target, cls);
      c.requests.set(cls, r);
    }
    r.inc();
    c.duration.observe(seconds);
  }

  upstreamError(context: string, target: Target, kind: string): void {
    this.upstreamErrors.labels(context, target, kind).inc();
  }
  retried(context: string): void {
    this.retries.labels(context).inc();
  }
  shadowResult(context: string, mismatch: boolean): void {
    this.shadowCompared.labels(context).inc();
    if (mismatch) this.shadowMismatches.labels(context).inc();
  }
  shadowDrop(context: string, why: string): void {
    this.shadowDropped.labels(context, why).inc();
  }
  rolledBack(context: string, from: string, to: string): void {
    this.rollbacks.labels(context, from, to).inc();
  }
  ejected(context: string): void {
    this.ejections.labels(context).inc();
  }
  clientError(kind: string): void {
    this.clientErrors.labels(kind).inc();
  }
  reloaded(ok: boolean): void {
    this.reloads.labels(ok ? 'applied' : 'rejected').inc();
  }
}
