/**
 * The running proxy: the traffic server, the admin server (/metrics, /status), hot reload of strangler.yaml, and
 * an orderly close (no new connections, in-flight requests finish).
 *
 *   1. startProxy     load the config (refused with one line when invalid), start both servers, watch the file
 *   2. reload         a new table applied between requests; an invalid file kept out, its error in /status
 *   3. close          stop listening, let in-flight requests finish (up to a grace period), close the pools
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { loadConfig } from '../config/load-config.ts';
import type { StranglerConfig } from '../config/schema.ts';
import { EnvironmentError, isStranglerError } from '../errors.ts';
import { watchFile } from './config-watcher.ts';
import { clientAddressOf, handleRequest, type ProxyDeps } from './proxy-handler.ts';
import { ProxyMetrics } from './proxy-metrics.ts';
import type { ProxyRollback } from './proxy-status.ts';
import { originsOf, proxyViewOf, type ProxyView } from './proxy-view.ts';
import { RoutingState } from './routing-state.ts';
import { ShadowMirror } from './shadow-mirror.ts';
import { UpstreamPools } from './upstream-pools.ts';
import { passUpgrade } from './upgrade-passthrough.ts';

export type ProxyEvent =
  | { type: 'listening'; url: string; adminUrl: string; configFile: string; contexts: number; routes: number }
  | { type: 'reloaded'; routes: number }
  | { type: 'reload-rejected'; error: string }
  | { type: 'restart-needed'; setting: string }
  | { type: 'rollback'; context: string; rollback: ProxyRollback }
  | { type: 'ejected'; context: string; until: string };

export interface ProxyRuntimeOptions {
  configFile: string;
  /** host:port, overriding proxy.listen (port 0: any free port). */
  listen?: string;
  admin?: string;
  /** Overrides proxy.shadowLog (relative to the working directory). */
  shadowLog?: string;
  /** Watch strangler.yaml and reload on change (default true). */
  watch?: boolean;
  onEvent?: (e: ProxyEvent) => void;
}

export interface RunningProxy {
  url: string;
  adminUrl: string;
  configFile: string;
  state: RoutingState;
  shadowLogFile: string;
  reload(): Promise<boolean>;
  /** Resolves once no mirrored request is pending. */
  shadowIdle(): Promise<void>;
  close(graceMs?: number): Promise<void>;
}

function hostPort(text: string): { host: string; port: number } {
  const i = text.lastIndexOf(':');
  return { host: text.slice(0, i), port: Number(text.slice(i + 1)) };
}

function listenOn(server: http.Server, address: string, what: string): Promise<string> {
  const { host, port } = hostPort(address);
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new EnvironmentError(`cannot listen on ${address} for the ${what} (${e.code ?? e.message})`, e.code === 'EADDRINUSE' ? 'another process uses that port: stop it or set proxy.listen / proxy.admin' : 'check the address')));
    server.listen(port, host, () => {
      const a = server.address() as AddressInfo;
      resolve(`http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
    });
  });
}

function clientErrorStatus(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

function trafficServer(config: StranglerConfig, deps: ProxyDeps): http.Server {
  const p = config.proxy;
  const server = http.createServer({
    maxHeaderSize: p.maxHeaderBytes,
    headersTimeout: p.headersTimeoutMs,
    requestTimeout: Math.max(p.requestTimeoutMs, p.headersTimeoutMs),
    keepAliveTimeout: p.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(p.headersTimeoutMs / 2))),
    noDelay: true,
  }, (req, res) => handleRequest(deps, req, res));
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const status = clientErrorStatus(err.code);
    deps.metrics.clientError(status === 431 ? 'header-too-large' : status === 408 ? 'timeout' : err.code === 'ECONNRESET' ? 'reset' : 'malformed');
    if (socket.writable && !(socket as unknown as { _httpMessage?: unknown })._httpMessage) {
      const body = status === 431 ? 'request head too large' : status === 408 ? 'request not received in time' : 'malformed request';
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${body.length + 1}\r\n\r\n${body}\n`);
    }
    socket.destroy();
  });
  server.on('upgrade', (req, socket, head) => passUpgrade(req, socket, head, deps.view().monolith, clientAddressOf(req), (k) => deps.metrics.clientError(k)));
  return server;
}

function adminServer(deps: ProxyDeps, startedAt: Date, configFile: string): http.Server {
  return http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET' }).end();
    } else if (url === '/metrics') {
      deps.metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': deps.metrics.registry.contentType }).end(text),
        (e: Error) => res.writeHead(500).end(e.message),
      );
    } else if (url === '/status') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(deps.state.status(startedAt, configFile)));
    } else if (url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('try /metrics or /status\n');
    }
  });
}

// 1.
export async function startProxy(o: ProxyRuntimeOptions): Promise<RunningProxy> {
  const emit = o.onEvent ?? (() => {});
  const loaded = await loadConfig(o.configFile);
  let view: ProxyView = proxyViewOf(loaded.config, loaded.file);
  const metrics = new ProxyMetrics();
  const state = new RoutingState((context, rollback) => {
    metrics.rolledBack(context, rollback.from.phase, rollback.to.phase);
    emit({ type: 'rollback', context, rollback });
  });
  state.applyConfig(loaded.config);
  const shadowLogFile = o.shadowLog ? path.resolve(o.shadowLog) : path.resolve(loaded.dir, loaded.config.proxy.shadowLog);
  const shadow = new ShadowMirror({ ...loaded.config.proxy.shadow, logFile: shadowLogFile }, (r) => {
    const s = state.contexts.get(r.context);
    if (s) {
      s.shadow.compared++;
      if (r.mismatch) s.shadow.mismatches++;
      if (r.status !== undefined) state.recordAnswer(r.context, 'service', Date.now(), r.latencyMs ?? 0, r.status === 0 ? 502 : r.status);
    }
    metrics.shadowResult(r.context, r.mismatch);
  }, (context, why) => metrics.shadowDrop(context, why));
  const pools = new UpstreamPools(loaded.config.proxy.upstreamConnections);
  const deps: ProxyDeps = { state, view: () => view, pools, metrics, shadow, onEjected: (context, until) => emit({ type: 'ejected', context, until: until.toISOString() }) };
  const startedAt = new Date();
  const traffic = trafficServer(loaded.config, deps);
  const admin = adminServer(deps, startedAt, loaded.file);
  const url = await listenOn(traffic, o.listen ?? loaded.config.proxy.listen, 'proxy');
  let adminUrl: string;
  try {
    adminUrl = await listenOn(admin, o.admin ?? loaded.config.proxy.admin, 'admin port');
  } catch (e) {
    traffic.close();
    throw e;
  }
  const startedWith = loaded.config.proxy;

  // 2.
  const reload = async (): Promise<boolean> => {
    try {
      const next = await loadConfig(loaded.file);
      const nextView = proxyViewOf(next.config, next.file);
      state.applyConfig(next.config);
      view = nextView;
      pools.retain(originsOf(view));
      metrics.reloaded(true);
      for (const k of ['listen', 'admin', 'maxHeaderBytes', 'headersTimeoutMs', 'requestTimeoutMs', 'upstreamConnections', 'shadow', 'shadowLog'] as const) {
        if (JSON.stringify(next.config.proxy[k]) !== JSON.stringify(startedWith[k])) emit({ type: 'restart-needed', setting: `proxy.${k}` });
      }
      emit({ type: 'reloaded', routes: state.table.entries.length });
      return true;
    } catch (e) {
      const error = isStranglerError(e) ? e.oneLine() : (e as Error).message;
      state.lastReloadError = `${new Date().toISOString()} ${error}`;
      metrics.reloaded(false);
      emit({ type: 'reload-rejected', error });
      return false;
    }
  };
  let reloading = Promise.resolve(true);
  const watcher = o.watch === false ? undefined : watchFile(loaded.file, () => void (reloading = reloading.then(reload)));
  emit({ type: 'listening', url, adminUrl, configFile: loaded.file, contexts: state.contexts.size, routes: state.table.entries.length });

  // 3.
  const close = async (graceMs = 10_000): Promise<void> => {
    watcher?.close();
    const closed = new Promise<void>((r) => traffic.close(() => r()));
    traffic.closeIdleConnections();
    const timer = setTimeout(() => traffic.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(timer);
    await shadow.close();
    await pools.close();
    admin.closeAllConnections();
    await new Promise<void>((r) => admin.close(() => r()));
  };
  return { url, adminUrl, configFile: loaded.file, state, shadowLogFile, reload, shadowIdle: () => shadow.idle(), close };
}
