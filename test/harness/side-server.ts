/**
 * Real HTTP upstreams for gateway tests: a node http server on 127.0.0.1 that answers which side it is
 * (`{"side":"monolith"}`), records every request it got, and can be told to fail with a status.
 * Plus a small client that sends many requests through a gateway with bounded concurrency.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface SideServer {
  side: string;
  url: string;
  port: number;
  requests: SeenRequest[];
  /** Answer every request with this status from now on (200 to heal). */
  failWith(status: number): void;
  close(): Promise<void>;
}

export async function startSideServer(side: string): Promise<SideServer> {
  const requests: SeenRequest[] = [];
  let status = 200;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ side, status }));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    side,
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    failWith: (s) => {
      status = s;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Answer {
  status: number;
  side: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface GatewayClient {
  send(path: string, options?: { method?: string; headers?: Record<string, string> }): Promise<Answer>;
  /** Runs `fn` over `items`, `concurrency` at a time, keeping the results in order. */
  map<T, R>(items: T[], fn: (item: T) => Promise<R>, concurrency?: number): Promise<R[]>;
  close(): Promise<void>;
}

export function gatewayClient(baseUrl: string): GatewayClient {
  const agent = new Agent({ connections: 16, keepAliveTimeout: 10_000 });
  return {
    async send(path, options = {}) {
      const res = await request(`${baseUrl}${path}`, { method: (options.method ?? 'GET') as 'GET', headers: options.headers, dispatcher: agent, headersTimeout: 10_000, bodyTimeout: 10_000 });
      const text = await res.body.text();
      let side = '';
      try {
        side = (JSON.parse(text) as { side?: string }).side ?? '';
      } catch {
        side = `not json: ${text.slice(0, 80)}`;
      }
      return { status: res.statusCode, side, headers: res.headers };
    },
    async map(items, fn, concurrency = 16) {
      const out = new Array(items.length);
      let next = 0;
      const worker = async () => {
        while (next < items.length) {
          const i = next++;
          out[i] = await fn(items[i]!);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
      return out;
    },
    close: () => agent.close(),
  };
}
