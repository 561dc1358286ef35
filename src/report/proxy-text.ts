/** Plain-text lines for `strangler proxy`: its events while it runs, and detach/stop results. */
import type { ProxyDetachResult, ProxyRunResult } from '../commands/proxy.ts';
import type { StopResult } from '../process/background-run.ts';
import type { ProxyEvent } from '../routing/proxy-runtime.ts';

const describe = (p: { phase: string; percent: number }) => (p.phase === 'canary' ? `canary ${p.percent}%` : p.phase);

export function renderProxyEvent(e: ProxyEvent): string {
  const at = new Date().toISOString();
  switch (e.type) {
    case 'listening':
      return `${at} proxy listening on ${e.url} (admin ${e.adminUrl}/metrics, /status); ${e.routes} routes of ${e.contexts} contexts from ${e.configFile}\n`;
    case 'reloaded':
      return `${at} reloaded strangler.yaml: ${e.routes} routes\n`;
    case 'reload-rejected':
      return `${at} strangler: reload rejected, keeping the last good table: ${e.error}\n`;
    case 'restart-needed':
      return `${at} ${e.setting} changed: it applies after a restart of the proxy\n`;
    case 'rollback':
      return `${at} ${e.context}: fell back from ${describe(e.rollback.from)} to ${describe(e.rollback.to)}: ${e.rollback.reason}\n`;
    case 'ejected':
      return `${at} ${e.context}: service ejected until ${e.until}\n`;
  }
}

export function renderProxyDetached(r: ProxyDetachResult): string {
  return `proxy running in the background (pid ${r.pid}); log ${r.logFile}; stop it with strangler proxy stop\n`;
}

export function renderProxyStopped(r: ProxyRunResult): string {
  return `${r.stoppedAt} proxy stopped\n`;
}

export function renderProxyStop(r: StopResult): string {
  return r.stopped ? `proxy (pid ${r.pid}) stopped after ${r.waitedMs} ms\n` : `proxy (pid ${r.pid}) still running after ${r.waitedMs} ms\n`;
}
