// Prometheus metrics (prom-client): requests and latency per route, and the process's own metrics.
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  middleware(req: Request, res: Response, next: NextFunction): void;
}

export function createMetrics(serviceName: string): Metrics {
  const registry = new Registry();
  // the label the dashboard and alert rules select on
  registry.setDefaultLabels({ service: serviceName });
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests served, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency in seconds, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return {
    registry,
    middleware(req, res, next) {
      const stop = duration.startTimer();
      res.on('finish', () => {
        // the route pattern, never the raw path: label values stay bounded
        const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
        stop({ method: req.method, route });
        requests.inc({ method: req.method, route, status: String(res.statusCode) });
      });
      next();
    },
  };
}
