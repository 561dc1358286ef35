// The service's own checks, against a real database ({{databaseEnv}}): health, readiness, metrics, request ids,
// trace propagation and graceful shutdown. Run: {{databaseEnv}}=postgres://... npm test
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { migrate } from '../src/migrate.js';
import { startService, type RunningService } from '../src/server.js';

let service: RunningService;
before(async () => {
  const config = { ...loadConfig(), port: 0, host: '127.0.0.1', logLevel: 'silent' };
  await migrate(config.databaseUrl);
  service = await startService(config);
});
after(async () => {
  await service?.stop();
});

test('/healthz and /readyz answer, the database is reachable', async () => {
  assert.equal((await fetch(`${service.url}/healthz`)).status, 200);
  const ready = await fetch(`${service.url}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready', database: 'ok' });
});

test('a request id is kept or made, and the caller\'s trace continues', async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const res = await fetch(`${service.url}/healthz`, { headers: { 'x-request-id': 'req-42', traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
  assert.equal(res.headers.get('x-request-id'), 'req-42');
  assert.match(res.headers.get('traceresponse') ?? '', new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  const made = await fetch(`${service.url}/healthz`);
  assert.match(made.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
});

test('/metrics exports requests and latency per route, and process metrics', async () => {
  await fetch(`${service.url}/healthz`);
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const has = (name: string, labels: string[]) =>
    text.split('\n').some((l) => l.startsWith(`${name}{`) && labels.every((x) => l.includes(x)));
  assert.ok(has('http_requests_total', ['method="GET"', 'route="/healthz"', 'status="200"', 'service="{{serviceName}}"']), 'http_requests_total per route');
  assert.ok(has('http_request_duration_seconds_bucket', ['le="0.005"', 'route="/healthz"']), 'latency histogram per route');
  assert.ok(has('process_cpu_seconds_total', ['service="{{serviceName}}"']), 'process metrics');
});
