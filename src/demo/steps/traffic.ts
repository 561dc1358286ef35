/**
 * Steps 10, 12, 13: the proxy in front of the monolith with the context in shadow, then a sticky 50% canary, then all
 * of its traffic on the service, each moved by `strangler route shift` (the proxy reloads strangler.yaml by itself).
 */
import { readProxyStatus, runRouteShift } from '../../commands/route.ts';
import { runProxy } from '../../commands/proxy.ts';
import { applyChangesToFile } from '../../routing/apply-route-plan.ts';
import type { ProxyContextStatus } from '../../routing/proxy-status.ts';
import { EnvironmentError } from '../../errors.ts';
import { untilInterrupted, type DemoContext } from '../demo-context.ts';
import type { DemoStep } from './step.ts';

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

const rollbacks = (s: ProxyContextStatus) => (s.rollbacks.length ? `; automatic rollback: ${s.rollbacks.at(-1)!.reason}` : '');

async function startProxy(ctx: DemoContext): Promise<void> {
  const controller = new AbortController();
  let listening: (url: string) => void = () => {};
  const ready = new Promise<string>((resolve) => (listening = resolve));
  const run = runProxy({ configFile: ctx.configFile, signal: controller.signal, onEvent: (e) => {
    if (e.type === 'listening') listening(e.url);
    else if (e.type === 'rollback') ctx.emit({ type: 'note', text: `the proxy rolled ${e.context} back by itself: ${e.rollback.reason}` });
  } });
  run.catch(() => {});
  ctx.registry.add({ kind: 'server', what: `proxy (listen ${ctx.state.proxyListen}, admin ${ctx.state.proxyAdmin})`, ports: [ctx.state.proxyListen!, ctx.state.proxyAdmin!].map((a) => Number(a.split(':').at(-1))) }, async () => {
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
    await startProxy(ctx);
    await runRouteShift({ configFile: ctx.configFile, domain: ctx.options.context, to: 'shadow' });
    await ctx.state.restartWorkload!(ctx.state.proxyUrl!);
    const s = await watchContext(ctx, 'proxy-shadow', (x) => x.effective.phase === 'shadow' && x.shadow.compared >= 20, 60_000);
    return `proxy on ${ctx.state.proxyUrl}; ${s.requests.monolith} requests answered by the monolith, ${s.shadow.compared} mirrored and compared, ${s.shadow.mismatches} mismatches (.strangler/shadow.log)${rollbacks(s)}`;
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
    await runRouteShift({ configFile: ctx.configFile, domain: ctx.options.context, to: '50' });
    const before = (await readProxyStatus(ctx.state.proxyAdmin!)).status?.contexts[ctx.options.context]?.requests.service ?? 0;
    const s = await watchContext(ctx, 'canary', (x) => x.effective.phase === 'canary' && x.requests.service - before >= 20, 60_000);
    return `${s.requests.service - before} requests answered by the service, ${s.errors5xx.service} 5xx from it${rollbacks(s)}`;
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
    await runRouteShift({ configFile: ctx.configFile, domain: ctx.options.context, to: 'service' });
    const before = (await readProxyStatus(ctx.state.proxyAdmin!)).status?.contexts[ctx.options.context]?.requests.service ?? 0;
    const s = await watchContext(ctx, 'cut-over', (x) => x.effective.phase === 'service' && x.requests.service - before >= 20, 60_000);
    return `${s.requests.service - before} more requests answered by the service, ${s.errors5xx.service} 5xx from it in all${rollbacks(s)}`;
  },
};
