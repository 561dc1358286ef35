/**
 * A real HTTP server on a loopback port (chosen by the OS) answering GET /status with whatever ProxyStatus the
 * test sets: the proxy's admin contract (src/routing/proxy-status.ts), for tests of what reads it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProxyContextStatus, ProxyStatus } from '../../src/routing/proxy-status.ts';

export interface ProxyAdminServer {
  /** host:port */
  address: string;
  set(status: ProxyStatus | { statusCode: number; body: string }): void;
  requests(): number;
  close(): Promise<void>;
}

export async function startProxyAdmin(initial: ProxyStatus): Promise<ProxyAdminServer> {
  let current: ProxyStatus | { statusCode: number; body: string } = initial;
  let count = 0;
  const server = http.createServer((req, res) => {
    count++;
    if (req.method !== 'GET' || req.url !== '/status') {
      res.writeHead(404).end();
      return;
    }
    if ('statusCode' in current) res.writeHead(current.statusCode, { 'content-type': 'text/plain' }).end(current.body);
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(current));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    set: (s) => void (current = s),
    requests: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A context's proxy status with the given phase on both sides and no traffic yet. */
export function proxyContext(over: Partial<ProxyContextStatus> = {}): ProxyContextStatus {
  return {
    desired: { phase: 'shadow', percent: 0 },
    effective: { phase: 'shadow', percent: 0 },
    rollbacks: [],
    requests: { monolith: 0, service: 0 },
    errors5xx: { monolith: 0, service: 0 },
    shadow: { compared: 0, mismatches: 0 },
    ...over,
  };
}

export function proxyStatus(contexts: Record<string, ProxyContextStatus>): ProxyStatus {
  const now = new Date().toISOString();
  return { version: 1, startedAt: now, configFile: 'strangler.yaml', configLoadedAt: now, contexts };
}
