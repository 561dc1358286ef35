// The express application of {{serviceName}}: request ids, logs, metrics and tracing around the domain's routes.
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { databaseAnswers } from './db.js';
import { mountDomainRoutes } from './domain/mount.js';
import type { Metrics } from './metrics.js';
import type { Tracing } from './tracing.js';

export interface AppDeps {
  db: Knex;
  logger: Logger;
  metrics: Metrics;
  tracing: Tracing;
  /** False once shutdown has begun: /readyz then answers 503 so the load balancer stops sending traffic. */
  accepting: () => boolean;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(deps.tracing.middleware);
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      customProps: (_req, res) => ({ traceId: (res as Response).locals?.traceId }),
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
    }),
  );
  app.use(deps.metrics.middleware);
  app.use(express.json({ limit: '1mb' }));
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const ready = deps.accepting() && (await databaseAnswers(deps.db));
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', database: ready ? 'ok' : 'unavailable' });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });
  mountDomainRoutes(app);
  app.use((_req, res) => void res.status(404).json({ error: 'no such route' }));
  app.use((err: Error, req: Request, res: Response, _next: NextFunction) => {
    req.log?.error({ err }, 'request failed');
    if (!res.headersSent) res.status(500).json({ error: 'internal error' });
  });
  return app;
}
