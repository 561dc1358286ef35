/**
 * `strangler proxy [--detach]` and `strangler proxy stop`: options -> the running proxy (src/routing/proxy-runtime.ts)
 * held as a background run (src/process/background-run.ts, shared with sync). Nothing is printed here.
 */
import path from 'node:path';
import { loadConfig } from '../config/load-config.ts';
import { detachRun, stopRun, withRun, type BackgroundRun, type StopResult } from '../process/background-run.ts';
import type { ProxyEvent } from '../routing/proxy-runtime.ts';

export const proxyRun: BackgroundRun = { id: 'proxy', what: 'the proxy', stop: 'strangler proxy stop', start: 'strangler proxy --detach' };

export interface ProxyOptions {
  configFile: string;
  listen?: string;
  admin?: string;
  shadowLog?: string;
  signal: AbortSignal;
  onEvent?: (e: ProxyEvent) => void;
}

export interface ProxyRunResult {
  url: string;
  adminUrl: string;
  stoppedAt: string;
}

/** Runs the proxy until the signal aborts (SIGINT/SIGTERM), then lets in-flight requests finish. */
export async function runProxy(o: ProxyOptions): Promise<ProxyRunResult> {
  const dir = path.dirname(path.resolve(o.configFile));
  return withRun(dir, proxyRun, async (ready) => {
    const { startProxy } = await import('../routing/proxy-runtime.ts');
    const proxy = await startProxy({ configFile: o.configFile, listen: o.listen, admin: o.admin, shadowLog: o.shadowLog, onEvent: o.onEvent });
    ready();
    if (!o.signal.aborted) await new Promise<void>((r) => o.signal.addEventListener('abort', () => r(), { once: true }));
    await proxy.close();
    return { url: proxy.url, adminUrl: proxy.adminUrl, stoppedAt: new Date().toISOString() };
  });
}

export interface ProxyDetachResult {
  pid: number;
  logFile: string;
  pidFile: string;
}

/** The same command line again in the background, without --detach. */
export async function detachProxy(o: { configFile: string; argv: string[]; readyTimeoutMs?: number }): Promise<ProxyDetachResult> {
  const { dir } = await loadConfig(o.configFile);
  const args = o.argv.slice(1).filter((a) => a !== '--detach');
  const r = await detachRun({ configDir: dir, run: proxyRun, args, readyTimeoutMs: o.readyTimeoutMs });
  return { pid: r.pid, logFile: r.logFile, pidFile: r.pidFile };
}

export async function runProxyStop(o: { configFile: string; timeoutMs?: number }): Promise<StopResult> {
  const dir = path.dirname(path.resolve(o.configFile));
  return stopRun(dir, proxyRun, o.timeoutMs);
}
