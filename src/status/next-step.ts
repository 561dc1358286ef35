/**
 * The next step for a context (pure): one sentence naming the command to run, from where the context stands.
 *
 *   1. phase analyzed / retired: extract it / tear its sync down
 *   2. sync (extracted .. service): configured, reachable, running, backfilled, caught up
 *   3. route table (extracted, syncing): routes and service.url, then shadow
 *   4. the proxy (shadow .. service): running, routing this context, no automatic rollback, service not ejected
 *   5. shadow: a green parity result with the API compared, reverse sync running, then the first canary step
 *   6. canary: reverse sync, the service's error rate, then the next step of the ladder (10, 25, 50, service)
 *   7. service: reverse sync, then retire
 */
import type { ContextPhase } from '../config/schema.ts';
import { describe as describePhase } from '../routing/phase-plan.ts';
import type { ContextStatus, ProxySummary, SyncDirectionStatus } from './status-result.ts';

/** Configuration facts the next step depends on (strangler.yaml). */
export interface NextStepFacts {
  routes: number;
  serviceUrl?: string;
  serviceDatabase?: string;
  monolithDatabase?: string;
  /** contexts.<d>.sync.reverse */
  reverse: boolean;
  /** contexts.<d>.routing.reason: why service is allowed without reverse sync. */
  reason?: string;
  /** contexts.<d>.routing.guardrails: the service's 5xx rate may exceed the monolith's by this much (0..1). */
  maxErrorRateIncrease: number;
  /** Service requests before an error rate is meaningful. */
  minRequests: number;
}

/** Past this lag the sync is still catching up: moving traffic would serve stale data. */
export const CATCH_UP_SECONDS = 30;

/** The canary ladder: each shift goes to the next share; past the last, to service. */
export const CANARY_LADDER = [10, 25, 50] as const;

const order: ContextPhase[] = ['analyzed', 'extracted', 'syncing', 'shadow', 'canary', 'service', 'retired'];
const rank = (p: ContextPhase) => order.indexOf(p);

export type NextStepInput = Omit<ContextStatus, 'nextStep'>;

export function nextStep(c: NextStepInput, facts: NextStepFacts, proxy: ProxySummary): string {
  const d = c.domain;
  // 1.
  if (c.phase === 'analyzed') return `run strangler extract ${d}`;
  if (c.phase === 'retired') {
    const slot = c.sync.forward.slot.state;
    return slot === 'active' || slot === 'inactive' || slot === 'lost'
      ? `run strangler sync teardown ${d} --yes (the retired context still holds replication slot ${c.sync.forward.slot.name} on the monolith)`
      : `nothing left to do: ${d} is retired`;
  }
  return syncStep(c, c.sync.forward, facts) ?? routeTableStep(c, facts) ?? proxyStep(c, proxy) ?? phaseStep(c, facts);
}

// 2.
function syncStep(c: NextStepInput, s: SyncDirectionStatus, facts: NextStepFacts): string | undefined {
  const d = c.domain;
  if (!facts.monolithDatabase) return `set monolith.database in strangler.yaml, then run strangler sync start ${d} --detach`;
  if (!facts.serviceDatabase) return `set contexts.${d}.service.database in strangler.yaml, then run strangler sync start ${d} --detach`;
  const down = directionDown(c, s);
  if (down) return down;
  return runningStep(d, s, `strangler sync start ${d} --detach`);
}

/** A database of this direction could not be reached: bring it back first. */
function directionDown(c: NextStepInput, s: SyncDirectionStatus): string | undefined {
  if (s.state !== 'unknown' && s.slot.state !== 'unknown') return undefined;
  const part = c.unreachable.includes('service database') ? 'service database' : c.unreachable.includes('monolith database') ? 'monolith database' : undefined;
  return part ? `bring the ${part} of ${c.domain} back (see unreachable), then run strangler status ${c.domain} again` : undefined;
}

function runningStep(d: string, s: SyncDirectionStatus, start: string): string | undefined {
  const what = s.direction === 'reverse' ? `reverse sync ${d}` : `sync ${d}`;
  if (s.state === 'paused') return `${what} is paused (${s.message ?? 'see its log'}): fix that and it resumes by itself`;
  if (s.state === 'error') return `${what} stopped on an error (${s.message ?? 'see its log'}): fix it, then run ${start}`;
  if (s.runningPid === null) return `run ${start}`;
  if (s.state === 'starting' || s.state === 'backfill') return `wait for ${what} to finish its backfill, then run strangler status ${d} again`;
  if (s.lagSeconds !== null && s.lagSeconds > CATCH_UP_SECONDS) return `wait for ${what} to catch up (${Math.round(s.lagSeconds)} s behind), then run strangler status ${d} again`;
  return undefined;
}

// 3.
function routeTableStep(c: NextStepInput, facts: NextStepFacts): string | undefined {
  const d = c.domain;
  if (rank(c.phase) >= rank('shadow')) return undefined;
  if (facts.routes === 0) return `add the routes of ${d} (strangler context add ${d} --update, or list them under contexts.${d}.routes), then run strangler route plan ${d}`;
  if (!facts.serviceUrl) return `run strangler route plan ${d} --service-url <the service's base URL>`;
  return `run strangler route shift ${d} --to shadow`;
}

// 4.
function proxyStep(c: NextStepInput, proxy: ProxySummary): string | undefined {
  const d = c.domain;
  if (!proxy.reachable) return `start the proxy: strangler proxy --detach (its admin port ${proxy.admin} ${proxy.error ?? 'did not answer'})`;
  if (!c.traffic) {
    return proxy.lastReloadError
      ? `fix strangler.yaml: the proxy rejected its last reload (${proxy.lastReloadError}) and does not route ${d}`
      : `the proxy does not route ${d}: restart it (strangler proxy --detach) so it reads the current strangler.yaml`;
  }
  const t = c.traffic;
  const rolledBack = rank(t.effective.phase) < rank(t.desired.phase) || (t.effective.phase === t.desired.phase && t.effective.percent < t.desired.percent);
  if (rolledBack) {
    const why = t.rollbacks.at(-1)?.reason ?? 'no reason recorded';
    return `the proxy fell back from ${describePhase(t.desired)} to ${describePhase(t.effective)} (${why}): fix the service, then run strangler route rollback ${d} so strangler.yaml agrees`;
  }
  if (t.serviceEjectedUntil) return `the service of ${d} is ejected until ${t.serviceEjectedUntil} after failing to answer: check it is up`;
  return undefined;
}

// 5-7.
function phaseStep(c: NextStepInput, facts: NextStepFacts): string {
  const d = c.domain;
  const reverse = c.sync.reverse;
  const reverseStep = facts.reverse && reverse ? (directionDown(c, reverse) ?? runningStep(d, reverse, `strangler sync reverse ${d} --detach`)) : undefined;
  if (c.phase === 'shadow') {
    const p = c.parity;
    const first = `strangler route shift ${d} --to ${CANARY_LADDER[0]}`;
    if (p.state === 'stored' && p.verdict === 'fail') return `fix the differences of the last parity result (${p.failures[0] ?? p.file}), then run strangler verify-parity ${d} --api`;
    if (p.state !== 'stored' || !p.checks.api) return `run strangler verify-parity ${d} --api, then ${first}`;
    if (reverseStep) return reverseStep.startsWith('run ') ? `${reverseStep}, then ${first}` : reverseStep;
    return `run ${first}`;
  }
  if (reverseStep) return reverseStep;
  if (c.phase === 'canary') return errorRateStep(c, facts) ?? canaryStep(c, facts);
  return `when nothing reads the monolith's copy of ${d} any more, run strangler route shift ${d} --to retired`;
}

function errorRateStep(c: NextStepInput, facts: NextStepFacts): string | undefined {
  const t = c.traffic;
  if (!t || t.requests.service < facts.minRequests || t.errorRate.service === null) return undefined;
  const monolith = t.errorRate.monolith ?? 0;
  if (t.errorRate.service - monolith <= facts.maxErrorRateIncrease / 2) return undefined;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  return `the service of ${c.domain} answers 5xx to ${pct(t.errorRate.service)} of its requests (monolith ${pct(monolith)}): find out why before shifting further`;
}

function canaryStep(c: NextStepInput, facts: NextStepFacts): string {
  const d = c.domain;
  const next = CANARY_LADDER.find((p) => p > c.percent);
  if (next !== undefined) return `run strangler route shift ${d} --to ${next}`;
  if (!facts.reverse && !facts.reason) {
    return `set contexts.${d}.sync.reverse: true and run strangler sync reverse ${d} --detach (or give routing.reason), then strangler route shift ${d} --to service`;
  }
  return `run strangler route shift ${d} --to service`;
}
