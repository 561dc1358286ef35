/**
 * Steps 10, 12, 13: the proxy in front of the monolith with the context in shadow, then a sticky 50% canary, then all
 * of its traffic on the service, each moved by `strangler route shift` (the proxy reloads strangler.yaml by itself).
 */
import { runRouteShift } from '../../commands/route.ts';
import { readProxyStatus } from '../../routing/read-proxy-status.ts';
import { runProxy } from '../../commands/proxy.ts';
import { applyChangesToFile } from '../../routing/apply-route-plan.ts';
import type { ProxyContextStatus } from '../../routing/proxy-status.ts';
import { EnvironmentError } from '../../errors.ts';
import { untilInterrupted, type DemoContext } from '../demo-context.ts';
import type { DemoStep } from './step.ts';
import { loadConfig } from '../../config/load-config.ts';
import { warmUp } from '../warm-up.ts';

/** What the proxy reports for the context, polled until `enough` holds for it (or the time is up). */
async function watchContext(ctx: DemoContext, step: string, enough: (s: ProxyContextStatus) => boolean, timeoutMs: number): Promise<ProxyContextStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: ProxyContextStatus | undefined;
  while (Date.now() < deadline) {
    const { status, error } = await readProxyStatus(ctx.state.proxyAdmin!);
    last = status?.contexts[ctx.options.context] ?? last;
    if (last) ctx.emit({ type: 'progress', id: step, text: `monolith ${last.requests.monolith} requests, service ${last.requests.service}, shadow compared ${last.shadow.compared}` });
    if (last && enough(last)) return last;
    if (error && !status) ctx.emit({ type: 'progress', id: step, text: `proxy admin: ${error}` });
    await untilInterrupted(new Promise((r) => setTimeout(r, 500)), ctx.signal);
  }
  if (!last) throw new EnvironmentError(`the proxy's admin port ${ctx.state.proxyAdmin} did not report ${ctx.options.context}`, 'see logs/ in the demo folder');
  return last;
}

/** The automatic rollbacks since `seen` of them, as the end of a summary. */
const rollbacksSince = (s: ProxyContextStatus, seen: number) => (s.rollbacks.length > seen ? `; the proxy rolled back by itself: ${s.rollbacks.at(-1)!.reason}` : '');

async function statusNow(ctx: DemoContext): Promise<ProxyContextStatus | undefined> {
  return (await readProxyStatus(ctx.state.proxyAdmin!)).status?.contexts[ctx.options.context];
}

/** Waits until the proxy applies `phase` and `requests` more of the context's requests went to `side` (or it rolled back). */
async function shiftAndWatch(ctx: DemoContext, step: string, to: string, phase: string, enough: (s: ProxyContextStatus, start: ProxyContextStatus | undefined) => boolean) {
  const start = await statusNow(ctx);
  await runRouteShift({ configFile: ctx.configFile, domain: ctx.options.context, to });
  const seen = start?.rollbacks.length ?? 0;
  const s = await watchContext(ctx, step, (x) => x.rollbacks.length > seen || (x.effective.phase === phase && enough(x, start)), 60_000);
  return { s, start, rolledBack: rollbacksSince(s, seen) };
}

async function startProxy(ctx: DemoContext): Promise<void> {
  const controller = new AbortController();
  let listening: (url: string) => void = () => {};
  const ready = new Promise<string>((resolve) => (listening = resolve));
  const run = runProxy({ configFile: ctx.configFile, signal: controller.signal, onEvent: (e) => {
    if (e.type === 'listening') listening(e.url);
    else if (e.type === 'rollback') ctx.emit({ type: 'note', text: `the proxy rolled ${e.context} back by itself: ${e.rollback.reason}` });
  } });
  run.catch(() => {});
  ctx.registry.add({ kind: 'proxy', what: `proxy (listen ${ctx.state.proxyListen}, admin ${ctx.state.proxyAdmin})`, ports: [ctx.state.proxyListen!, ctx.state.proxyAdmin!].map((a) => Number(a.split(':').at(-1))) }, async () => {
    controller.abort();
    await run.catch(() => {});
  });
  const url = await untilInterrupted(Promise.race([ready, run.then(() => Promise.reject(new Error('the proxy stopped before it listened')))]), ctx.signal);
  ctx.state.proxyUrl = url;
}

export const proxyShadowStep: DemoStep = {
  id: 'proxy-shadow',
  title: 'strangler proxy, route shift --to shadow',
  why: (ctx) => `The proxy goes in front of the monolith and the shoppers go through it; in shadow the monolith still answers everyone while GET requests of ${ctx.options.context}'s routes are mirrored to the service and the two answers compared.`,
  async run(ctx) {
    const { config } = await loadConfig(ctx.configFile);
    const warm = ctx.state.movedRoutes ? await warmUp(ctx.state.serviceUrl!, config.contexts[ctx.options.context]?.routes ?? [], 5, ctx.signal) : 0;
    await startProxy(ctx);
    await ctx.state.restartWorkload!(ctx.state.proxyUrl!);
    const { s, rolledBack } = await shiftAndWatch(ctx, 'proxy-shadow', 'shadow', 'shadow', (x) => x.shadow.compared >= 20);
    return `proxy on ${ctx.state.proxyUrl}${warm ? ` (service warmed up with ${warm} requests)` : ''}; ${s.requests.monolith} requests answered by the monolith, ${s.shadow.compared} mirrored and compared, ${s.shadow.mismatches} mismatches (.strangler/shadow.log)${rolledBack}`;
  },
};

/** Without moved routes the service answers none of the context's requests: no traffic is sent to it. */
function requireMovedRoutes(ctx: DemoContext): void {
  if (!ctx.state.movedRoutes) throw new NoRoutesMoved(ctx.options.context);
}

export class NoRoutesMoved extends Error {
  constructor(readonly context: string) {
    super(`extract moved none of ${context}'s routes into the service, so it cannot take their traffic`);
  }
}

export const canaryStep: DemoStep = {
  id: 'canary',
  title: 'strangler route shift --to 50',
  why: () => 'Half of the shoppers (a sticky split on their user id: each always lands on the same side) are now answered by the service; the proxy falls back by itself if the service\'s error rate or latency goes past its guardrails.',
  async run(ctx) {
    requireMovedRoutes(ctx);
    const { s, start, rolledBack } = await shiftAndWatch(ctx, 'canary', '50', 'canary', (x, from) => x.requests.service - (from?.requests.service ?? 0) >= 20 && x.requests.monolith - (from?.requests.monolith ?? 0) >= 20);
    return `${s.requests.service - (start?.requests.service ?? 0)} requests answered by the service and ${s.requests.monolith - (start?.requests.monolith ?? 0)} by the monolith, ${s.errors5xx.service - (start?.errors5xx.service ?? 0)} 5xx from the service${rolledBack}`;
  },
};

export const serviceStep: DemoStep = {
  id: 'cut-over',
  title: 'strangler route shift --to service',
  why: (ctx) => `Every request of ${ctx.options.context}'s routes now goes to the service; the monolith keeps the rest of the shop.`,
  async run(ctx) {
    requireMovedRoutes(ctx);
    // phase service asks how the monolith learns of the service's writes: here, it does not need to
    await applyChangesToFile(ctx.configFile, [{ path: ['contexts', ctx.options.context, 'routing', 'reason'], to: 'strangler demo: throw-away databases, the monolith need not see the service\'s writes' }]);
    const { s, start, rolledBack } = await shiftAndWatch(ctx, 'cut-over', 'service', 'service', (x, from) => x.requests.service - (from?.requests.service ?? 0) >= 20);
    return `${s.requests.service - (start?.requests.service ?? 0)} requests answered by the service, ${s.errors5xx.service - (start?.errors5xx.service ?? 0)} 5xx from it${rolledBack}`;
  },
};
