/**
 * `strangler status [domain]`: where each context stands. Options -> the parts to read (resolved from
 * strangler.yaml) -> src/status/read-status.ts. Nothing is printed here; a part that does not answer is reported
 * in the result, never thrown.
 */
import { loadConfig } from '../config/load-config.ts';
import { ConfigError, UsageError } from '../errors.ts';
import type { ContextProbe, StatusProbe } from '../status/read-status.ts';
import type { StatusResult } from '../status/status-result.ts';
import { defaultName, syncRun } from './sync.ts';

export interface StatusOptions {
  configFile: string;
  domain?: string;
  /** The proxy's admin address (default: proxy.admin). */
  proxyAdmin?: string;
}

const hostPort = /^[^:\s/]+:\d{1,5}$/;

export async function resolveStatusProbe(o: StatusOptions): Promise<StatusProbe> {
  if (o.proxyAdmin !== undefined && !hostPort.test(o.proxyAdmin)) {
    throw new UsageError(`--proxy-admin: expected host:port, got "${o.proxyAdmin}"`, 'e.g. --proxy-admin 127.0.0.1:8081');
  }
  const { config, dir, file } = await loadConfig(o.configFile);
  if (o.domain && !config.contexts[o.domain]) {
    const known = Object.keys(config.contexts);
    throw new ConfigError(`${o.configFile}: no context "${o.domain}"`, known.length ? `known contexts: ${known.join(', ')}` : 'add it under contexts: (or run strangler context add)');
  }
  const { reverseContext, reverseSlotName } = await import('../sync/reverse-sync.ts');
  const domains = o.domain ? [o.domain] : Object.keys(config.contexts);
  const contexts = domains.map((domain): ContextProbe => {
    const c = config.contexts[domain]!;
    const reverseSlot = reverseSlotName(domain);
    return {
      domain,
      phase: c.phase,
      percent: c.routing.percent,
      serviceDatabase: c.service.database,
      forward: { stateContext: domain, slot: c.sync.slot ?? defaultName(domain), publication: c.sync.publication ?? defaultName(domain), run: syncRun(domain) },
      ...(c.sync.reverse ? { reverse: { stateContext: reverseContext(domain), slot: reverseSlot, publication: reverseSlot, run: syncRun(domain, true) } } : {}),
      facts: {
        routes: c.routes.length,
        serviceUrl: c.service.url,
        serviceDatabase: c.service.database,
        monolithDatabase: config.monolith.database,
        reverse: c.sync.reverse,
        reason: c.routing.reason,
        maxErrorRateIncrease: c.routing.guardrails.maxErrorRateIncrease,
        minRequests: c.routing.guardrails.minRequests,
      },
    };
  });
  return { configFile: file, configDir: dir, proxyAdmin: o.proxyAdmin ?? config.proxy.admin, monolithDatabase: config.monolith.database, contexts };
}

export async function runStatus(o: StatusOptions): Promise<StatusResult> {
  const probe = await resolveStatusProbe(o);
  const { readStatus } = await import('../status/read-status.ts');
  return readStatus(probe);
}

/**
 * Reads the status every `intervalMs` until the signal aborts, handing each result to `onResult` (a bad
 * strangler.yaml saved meanwhile is handed over as an Error: the watch goes on with the next save). Bad input
 * found on the first read is thrown.
 */
export async function watchStatus(o: StatusOptions, intervalMs: number, signal: AbortSignal, onResult: (r: StatusResult | Error) => void): Promise<void> {
  for (let first = true; !signal.aborted; first = false) {
    try {
      onResult(await runStatus(o));
    } catch (e) {
      if (first && (e instanceof UsageError || e instanceof ConfigError)) throw e; // bad input: one line, exit 2
      onResult(e as Error);
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, intervalMs);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
