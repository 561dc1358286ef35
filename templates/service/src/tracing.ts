// OpenTelemetry tracing: a server span per request, W3C traceparent read from the caller and passed on to
// outgoing calls (injectTraceHeaders); spans are exported over OTLP/HTTP when an endpoint is configured.
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { NextFunction, Request, Response } from 'express';

export interface Tracing {
  middleware(req: Request, res: Response, next: NextFunction): void;
  shutdown(): Promise<void>;
}

export function startTracing(serviceName: string, otlpTracesEndpoint?: string): Tracing {
  const spanProcessors: SpanProcessor[] = otlpTracesEndpoint ? [new BatchSpanProcessor(new OTLPTraceExporter({ url: otlpTracesEndpoint }))] : [];
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': serviceName }), spanProcessors });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const tracer = trace.getTracer(serviceName);
  return {
    middleware(req, res, next) {
      const parent = propagation.extract(context.active(), req.headers);
      const span: Span = tracer.startSpan(`${req.method} ${req.path}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } }, parent);
      const { traceId, spanId, traceFlags } = span.spanContext();
      // W3C Trace Context level 2: tells the caller which trace served it
      res.setHeader('traceresponse', `00-${traceId}-${spanId}-0${traceFlags.toString(16)}`);
      res.locals.traceId = traceId;
      res.on('finish', () => {
        if (req.route?.path) span.updateName(`${req.method} ${req.baseUrl}${String(req.route.path)}`);
        span.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      context.with(trace.setSpan(parent, span), next);
    },
    shutdown: () => provider.shutdown(),
  };
}

/** Headers carrying the current trace (traceparent, tracestate) for a call to another service. */
export function injectTraceHeaders(headers: Record<string, string> = {}): Record<string, string> {
  propagation.inject(context.active(), headers);
  return headers;
}
