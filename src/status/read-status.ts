/**
 * Reads where each context stands from where each part keeps it, never failing on a part that does not answer:
 *
 *   1. the proxy's admin GET /status (traffic split, 5xx, automatic rollbacks)
 *   2. per context and direction, the sync's state in the database it writes to (strangler_sync.state and
 *      checkpoints), its slot on the database it reads, and whether a process holds its run (background-run.ts)
 *   3. the stored parity result (.strangler/parity/<domain>.json)
 *   4. the next step, and the parts that could not be read, once each with the contexts they concern
 */
import { redactUrl } from '../adapters/postgres.ts';
import type { ContextPhase } from '../config/schema.ts';
import { runningPid, type BackgroundRun } from '../process/background-run.ts';
import { describe as describePhase } from '../routing/phase-plan.ts';
import type { ProxyStatus } from '../routing/proxy-status.ts';
import { readProxyStatus } from '../routing/read-proxy-status.ts';
import { readSyncStatus, type ContextSyncStatus } from '../sync/sync-status.ts';
import { nextStep, type NextStepFacts } from './next-step.ts';
import { readParityResult } from './parity-store.ts';
import type { ContextStatus, ParityStatus, ProxySummary, StatusPart, StatusResult, SyncDirectionStatus, TrafficStatus, UnreachablePart } from './status-result.ts';

export interface DirectionProbe {
  /** The context name the sync keeps its state under (`cart`, or the reverse direction's own name). */
  stateContext: string;
  slot: string;
  publication: string;
  run: Pick<BackgroundRun, 'id'>;
}

export interface ContextProbe {
  domain: string;
  phase: ContextPhase;
  percent: number;
  serviceDatabase?: string;
  forward: DirectionProbe;
  /** Two-way sync (contexts.<d>.sync.reverse). */
  reverse?: DirectionProbe;
  facts: NextStepFacts;
}

export interface StatusProbe {
  configFile: string;
  configDir: string;
  proxyAdmin: string;
  monolithDatabase?: string;
  contexts: ContextProbe[];
  /** Retained WAL past which sync warns (bytes). */
  warnRetainedBytes?: number;
  now?: () => Date;
}

/** Phases in which the proxy routes a context's requests (its traffic is only known from the proxy). */
const routedPhases: readonly ContextPhase[] = ['shadow', 'canary', 'service'];

export async function readStatus(probe: StatusProbe): Promise<StatusResult> {
  const at = (probe.now ?? (() => new Date()))();
  const [proxy, contexts] = await Promise.all([
    readProxyStatus(probe.proxyAdmin), // 1.
    Promise.all(probe.contexts.map((c) => readContext(probe, c))),
  ]);
  const summary = proxySummary(probe.proxyAdmin, proxy);
  const unreachable = new Map<string, UnreachablePart>();
  const note = (u: Omit<UnreachablePart, 'contexts'>, domain: string) => {
    const key = `${u.part}\n${u.where}`;
    const entry = unreachable.get(key) ?? { ...u, contexts: [] };
    if (!entry.contexts.includes(domain)) entry.contexts.push(domain);
    unreachable.set(key, entry);
  };
  const out: ContextStatus[] = contexts.map(({ base, problems }) => {
    for (const p of problems) note(p, base.domain);
    const traffic = proxy.status?.contexts[base.domain] ? trafficOf(proxy.status.contexts[base.domain]!) : undefined;
    const needsProxy = routedPhases.includes(base.phase);
    if (needsProxy && !summary.reachable) note({ part: 'proxy', where: probe.proxyAdmin, error: summary.error ?? 'did not answer' }, base.domain);
    const unreachableParts = [...new Set([...problems.map((p) => p.part), ...(needsProxy && !summary.reachable ? (['proxy'] as const) : [])])];
    const withTraffic = { ...base, ...(traffic ? { traffic } : {}), unreachable: unreachableParts };
    const facts = probe.contexts.find((c) => c.domain === base.domain)!.facts;
    return { ...withTraffic, nextStep: nextStep(withTraffic, facts, summary) }; // 4.
  });
  return { version: 1, at: at.toISOString(), configFile: probe.configFile, proxy: summary, contexts: out, unreachable: [...unreachable.values()] };
}

function proxySummary(admin: string, r: { status?: ProxyStatus; error?: string }): ProxySummary {
  if (!r.status) return { admin, reachable: false, error: r.error ?? 'did not answer' };
  const s = r.status;
  return { admin, reachable: true, startedAt: s.startedAt, configLoadedAt: s.configLoadedAt, ...(s.lastReloadError ? { lastReloadError: s.lastReloadError } : {}) };
}

function trafficOf(c: ProxyStatus['contexts'][string]): TrafficStatus {
  const rate = (errors: number, requests: number) => (requests > 0 ? errors / requests : null);
  return {
    desired: c.desired,
    effective: c.effective,
    requests: c.requests,
    errors5xx: c.errors5xx,
    errorRate: { monolith: rate(c.errors5xx.monolith, c.requests.monolith), service: rate(c.errors5xx.service, c.requests.service) },
    shadow: c.shadow,
    rollbacks: c.rollbacks,
    ...(c.serviceEjectedUntil ? { serviceEjectedUntil: c.serviceEjectedUntil } : {}),
  };
}

type Problem = Omit<UnreachablePart, 'contexts'>;

async function readContext(probe: StatusProbe, c: ContextProbe): Promise<{ base: Omit<ContextStatus, 'nextStep' | 'unreachable' | 'traffic'>; problems: Problem[] }> {
  const problems: Problem[] = [];
  const monolith = { url: probe.monolithDatabase, part: 'monolith database' as const };
  const service = { url: c.serviceDatabase, part: 'service database' as const };
  const [forward, reverse, parity] = await Promise.all([
    readDirection(probe, c.forward, 'forward', monolith, service, problems), // 2.
    c.reverse ? readDirection(probe, c.reverse, 'reverse', service, monolith, problems) : undefined,
    readParity(probe.configDir, c.domain, problems), // 3.
  ]);
  const warnings = [...forward.warnings, ...(reverse?.warnings ?? [])];
  return {
    base: {
      domain: c.domain,
      phase: c.phase,
      percent: c.percent,
      label: describePhase({ phase: c.phase, percent: c.percent }),
      sync: { forward, ...(reverse ? { reverse } : {}) },
      parity,
      warnings: [...new Set(warnings)],
    },
    problems,
  };
}

interface Side {
  url?: string;
  part: StatusPart;
}

async function readDirection(probe: StatusProbe, d: DirectionProbe, direction: 'forward' | 'reverse', source: Side, target: Side, problems: Problem[]): Promise<SyncDirectionStatus> {
  const [s, pid] = await Promise.all([
    source.url || target.url
      ? readSyncStatus({ context: d.stateContext, sourceUrl: source.url, targetUrl: target.url, slot: d.slot, publication: d.publication, warnRetainedBytes: probe.warnRetainedBytes ?? 1024 * 1048576 })
      : undefined,
    runningPid(probe.configDir, d.run),
  ]);
  if (s && source.url && !s.source.reachable) problems.push({ part: source.part, where: redactUrl(source.url), error: shortError(s.source.error) });
  if (s && target.url && !s.target.reachable) problems.push({ part: target.part, where: redactUrl(target.url), error: shortError(s.target.error) });
  return toDirection(direction, d.slot, s, pid ?? null, Boolean(source.url && target.url));
}

/** The adapter's message names the database again: `where` already does. */
const shortError = (e: string | undefined) => (e ?? 'unreachable').replace(/^cannot connect to .*? database \S+: /, 'cannot connect: ');

/** Only the warnings that are not "unreachable" (those are reported once, as unreachable parts). */
const unreachableWarning = /database unreachable:|no (monolith|service) database configured/;

export function toDirection(direction: 'forward' | 'reverse', slotName: string, s: ContextSyncStatus | undefined, pid: number | null, configured: boolean): SyncDirectionStatus {
  const slot = s?.source.slot;
  const state = syncStateOf(s, pid, configured);
  return {
    direction,
    from: direction === 'forward' ? 'monolith' : 'service',
    to: direction === 'forward' ? 'service' : 'monolith',
    state,
    runningPid: pid,
    slot: {
      name: slotName,
      state: !s?.source.reachable || !slot ? 'unknown' : !slot.exists ? 'absent' : slot.walStatus === 'lost' ? 'lost' : slot.active ? 'active' : 'inactive',
      retainedWalBytes: slot?.retainedWalBytes ?? null,
    },
    lagBytes: slot?.lagBytes ?? null,
    lagSeconds: s?.lagSeconds ?? null,
    lastAppliedPosition: s?.target.lastAppliedPosition ?? null,
    lastCommitTime: s?.target.lastCommitTime ?? null,
    rowsApplied: s?.target.rowsApplied ?? null,
    message: s?.target.message ?? null,
    warnings: (s?.warnings ?? []).filter((w) => !unreachableWarning.test(w) && !(state === 'never-started' && /does not exist/.test(w))),
  };
}

function syncStateOf(s: ContextSyncStatus | undefined, pid: number | null, configured: boolean): SyncDirectionStatus['state'] {
  if (!configured || !s) return 'not-configured';
  if (!s.target.reachable) return 'unknown';
  if (s.target.status === 'error') return 'error';
  if (!s.target.phase) return pid === null ? 'never-started' : 'starting';
  if (pid === null) return 'stopped';
  if (s.target.status === 'paused') return 'paused';
  return s.target.phase;
}

async function readParity(configDir: string, domain: string, problems: Problem[]): Promise<ParityStatus> {
  const r = await readParityResult(configDir, domain);
  if (r.state === 'missing') return r;
  if (r.state === 'unreadable') {
    problems.push({ part: 'parity result', where: r.file, error: r.error });
    return r;
  }
  const { at, verdict, checks, counts, failures } = r.result;
  return { state: 'stored', file: r.file, at, verdict, checks, counts, failures };
}
