/**
 * Moving a context between phases (pure): `route shift` and `route rollback` compute a plan of changes to
 * strangler.yaml and the reasons to refuse it; applying it is a separate step (apply-route-plan.ts).
 *
 *   1. parseShiftTarget   `shadow` | `<percent>` | `service` | `retired`
 *   2. planShift          current phase + target -> changes, or a refusal (skipping shadow, shrinking a canary,
 *                         leaving shadow without a green parity result unless forced)
 *   3. planRollback       one step back: retired -> service -> canary -> shadow -> syncing
 */
import type { ContextPhase } from '../config/schema.ts';
import { UsageError } from '../errors.ts';

export interface PhaseState {
  phase: ContextPhase;
  percent: number;
}

export type ShiftTarget = { phase: 'shadow' } | { phase: 'canary'; percent: number } | { phase: 'service' } | { phase: 'retired' };

export interface ParityVerdict {
  verdict: 'pass' | 'fail' | 'missing';
  at?: string;
  file: string;
}

export interface PhasePlan {
  domain: string;
  from: PhaseState;
  to: PhaseState;
  /** Config paths and their new values, e.g. `contexts.catalog.phase` -> `canary`. */
  changes: { path: string[]; from: unknown; to: unknown }[];
  /** Why it would be refused without --force (empty when allowed). */
  refusals: string[];
  forced: boolean;
}

const order: ContextPhase[] = ['analyzed', 'extracted', 'syncing', 'shadow', 'canary', 'service', 'retired'];
const rank = (p: ContextPhase) => order.indexOf(p);

// 1.
export function parseShiftTarget(text: string): ShiftTarget {
  const t = text.trim().toLowerCase();
  if (t === 'shadow' || t === 'service' || t === 'retired') return { phase: t };
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(t);
  if (m) {
    const percent = Number(m[1]);
    if (percent > 0 && percent < 100) return { phase: 'canary', percent };
    if (percent === 100) return { phase: 'service' };
  }
  throw new UsageError(`--to: expected shadow, a canary percentage between 0 and 100 (e.g. 10), service or retired, got "${text}"`, 'e.g. strangler route shift catalog --to 10');
}

function changesOf(domain: string, from: PhaseState, to: PhaseState): PhasePlan['changes'] {
  const changes: PhasePlan['changes'] = [];
  if (from.phase !== to.phase) changes.push({ path: ['contexts', domain, 'phase'], from: from.phase, to: to.phase });
  if (from.percent !== to.percent) changes.push({ path: ['contexts', domain, 'routing', 'percent'], from: from.percent, to: to.percent });
  return changes;
}

// 2.
export function planShift(domain: string, from: PhaseState, target: ShiftTarget, parity: ParityVerdict, force: boolean): PhasePlan {
  const to: PhaseState = { phase: target.phase, percent: target.phase === 'canary' ? target.percent : from.percent };
  const refusals: string[] = [];
  if (rank(to.phase) < rank(from.phase) || (to.phase === 'canary' && from.phase === 'canary' && to.percent < from.percent)) {
    throw new UsageError(
      `route shift only moves ${domain} forward (it is at ${describe(from)}, asked for ${describe(to)})`,
      `to go back use strangler route rollback ${domain}`,
    );
  }
  if (rank(from.phase) < rank('shadow') && rank(to.phase) > rank('shadow')) refusals.push(`${domain} has not been in shadow (it is at ${from.phase}): shift to shadow first and compare`);
  const leavesShadow = rank(to.phase) > rank('shadow') && rank(from.phase) <= rank('shadow');
  if (leavesShadow && parity.verdict !== 'pass') {
    refusals.push(parity.verdict === 'missing'
      ? `no parity result for ${domain} (${parity.file}): run strangler verify-parity ${domain} --api first`
      : `the last parity result for ${domain} failed (${parity.file}${parity.at ? `, ${parity.at}` : ''}): fix the differences and run verify-parity again`);
  }
  return { domain, from, to, changes: changesOf(domain, from, to), refusals: force ? [] : refusals, forced: force && refusals.length > 0 };
}

// 3.
export function planRollback(domain: string, from: PhaseState): PhasePlan {
  let to: PhaseState;
  switch (from.phase) {
    case 'retired':
      to = { phase: 'service', percent: from.percent };
      break;
    case 'service':
      to = from.percent > 0 && from.percent < 100 ? { phase: 'canary', percent: from.percent } : { phase: 'shadow', percent: from.percent };
      break;
    case 'canary':
      to = { phase: 'shadow', percent: from.percent };
      break;
    case 'shadow':
      to = { phase: 'syncing', percent: from.percent };
      break;
    default:
      throw new UsageError(`${domain} is at ${from.phase}: the monolith already answers all its routes, there is nothing to roll back`, `see strangler route status`);
  }
  return { domain, from, to, changes: changesOf(domain, from, to), refusals: [], forced: false };
}

export function describe(s: PhaseState): string {
  return s.phase === 'canary' ? `canary ${s.percent}%` : s.phase;
}
