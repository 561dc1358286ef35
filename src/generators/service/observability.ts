/**
 * The service's Grafana dashboard and Prometheus alert rules, over the metrics its template exports
 * (src/metrics.ts: http_requests_total, http_request_duration_seconds, prom-client's process and nodejs metrics).
 * Every selector is written `name{...}` so the metric names can be checked against a live /metrics. Pure.
 */
import { stringify } from 'yaml';

export function grafanaDashboard(service: string): string {
  const sel = `service="${service}"`;
  const panel = (id: number, title: string, expr: string, unit: string, x: number, y: number) => ({
    id,
    title,
    type: 'timeseries',
    datasource: { type: 'prometheus', uid: '${datasource}' },
    gridPos: { h: 8, w: 12, x, y },
    fieldConfig: { defaults: { unit }, overrides: [] },
    targets: [{ refId: 'A', expr, legendFormat: '{{route}}' }],
  });
  const dashboard = {
    title: `${service}`,
    uid: `strangler-${service}`.slice(0, 40),
    schemaVersion: 39,
    tags: ['strangler', service],
    time: { from: 'now-1h', to: 'now' },
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus' }] },
    panels: [
      panel(1, 'Requests per second by route', `sum by (route) (rate(http_requests_total{${sel}}[5m]))`, 'reqps', 0, 0),
      panel(2, 'Error ratio (5xx)', `sum(rate(http_requests_total{${sel},status=~"5.."}[5m])) / sum(rate(http_requests_total{${sel}}[5m]))`, 'percentunit', 12, 0),
      panel(3, 'p95 latency by route', `histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{${sel}}[5m])))`, 's', 0, 8),
      panel(4, 'CPU seconds per second', `rate(process_cpu_seconds_total{${sel}}[5m])`, 's', 12, 8),
      panel(5, 'Resident memory', `process_resident_memory_bytes{${sel}}`, 'bytes', 0, 16),
      panel(6, 'Event loop lag p99', `nodejs_eventloop_lag_p99_seconds{${sel}}`, 's', 12, 16),
    ],
  };
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}

export function alertRules(service: string): string {
  const sel = `service="${service}"`;
  const alertName = service.replace(/(^|[-_])([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
  return stringify({
    groups: [
      {
        name: `${service}.rules`,
        rules: [
          {
            alert: `${alertName}HighErrorRate`,
            expr: `sum(rate(http_requests_total{${sel},status=~"5.."}[5m])) / sum(rate(http_requests_total{${sel}}[5m])) > 0.05`,
            for: '5m',
            labels: { severity: 'page' },
            annotations: { summary: `${service}: more than 5% of requests fail`, runbook: 'README.md#roll-back' },
          },
          {
            alert: `${alertName}HighLatency`,
            expr: `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{${sel}}[5m]))) > 0.5`,
            for: '10m',
            labels: { severity: 'ticket' },
            annotations: { summary: `${service}: p95 latency above 500 ms` },
          },
          {
            alert: `${alertName}Down`,
            expr: `absent(process_start_time_seconds{${sel}})`,
            for: '2m',
            labels: { severity: 'page' },
            annotations: { summary: `${service}: no instance is exporting metrics` },
          },
        ],
      },
    ],
  }, { lineWidth: 0 });
}

/** Metric names a PromQL expression selects (`name{` or `name[`). */
export function selectedMetrics(expr: string): string[] {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{/g)].map((m) => m[1]!).filter((n) => !['by', 'without', 'on', 'ignoring'].includes(n));
}
