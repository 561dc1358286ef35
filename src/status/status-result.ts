/**
 * What `strangler status` returns (and prints as JSON): per context its phase, sync in both directions, the last
 * parity result, the traffic the proxy applies, and the next step; plus every part that could not be read.
 * Version the shape, never break it: the end-to-end test and users' scripts read `--json`.
 */
import type { ContextPhase } from '../config/schema.ts';
import type { PhaseAndPercent, ProxyRollback } from '../routing/proxy-status.ts';
import type { StoredParityResult } from './parity-store.ts';

/** A part status reads, named as the output names it. */
export type StatusPart = 'monolith database' | 'service database' | 'proxy' | 'parity result';

export interface UnreachablePart {
  part: StatusPart;
  /** Where: a redacted database URL, the admin address, a file. */
  where: string;
  error: string;
  /** Contexts whose status lacks what this part holds. */
  contexts: string[];
}

/**
 * - `not-configured`: a database URL is missing, nothing to read
 * - `unknown`: the database keeping its state could not be reached
 * - `never-started`: no sync state and no process
 * - `starting`: a process runs but has written no state yet
 * - `backfill` / `streaming`: running, in that phase
 * - `paused` / `error`: the sync said so (see message)
 * - `stopped`: state exists, no process holds the run
 */
export type SyncState = 'not-configured' | 'unknown' | 'never-started' | 'starting' | 'backfill' | 'streaming' | 'paused' | 'error' | 'stopped';

export interface SyncDirectionStatus {
  direction: 'forward' | 'reverse';
  /** Where changes come from and go to. */
  from: 'monolith' | 'service';
  to: 'monolith' | 'service';
  state: SyncState;
  /** The live process holding the run (foreground or detached), or null. */
  runningPid: number | null;
  slot: { name: string; state: 'absent' | 'active' | 'inactive' | 'lost' | 'unknown'; retainedWalBytes: number | null };
  /** WAL written on the source since the last position the sync acknowledged. */
  lagBytes: number | null;
  lagSeconds: number | null;
  lastAppliedPosition: string | null;
  lastCommitTime: string | null;
  rowsApplied: number | null;
  /** The sync's own message (why it paused, the last error). */
  message: string | null;
  warnings: string[];
}

export type ParityStatus =
  | { state: 'missing'; file: string }
  | { state: 'unreadable'; file: string; error: string }
  | ({ state: 'stored'; file: string } & Pick<StoredParityResult, 'at' | 'verdict' | 'checks' | 'counts' | 'failures'>);

export interface TrafficStatus {
  /** What strangler.yaml asks for, as the proxy read it. */
  desired: PhaseAndPercent;
  /** What the proxy applies (lower than desired after an automatic rollback). */
  effective: PhaseAndPercent;
  requests: { monolith: number; service: number };
  errors5xx: { monolith: number; service: number };
  /** 5xx answers / requests per side since the proxy started; null before any request. */
  errorRate: { monolith: number | null; service: number | null };
  shadow: { compared: number; mismatches: number };
  rollbacks: ProxyRollback[];
  serviceEjectedUntil?: string;
}

export interface ContextStatus {
  domain: string;
  phase: ContextPhase;
  /** Canary share of users on the service (strangler.yaml). */
  percent: number;
  /** `canary 10%`, `shadow`... */
  label: string;
  sync: { forward: SyncDirectionStatus; reverse?: SyncDirectionStatus };
  parity: ParityStatus;
  /** From the proxy's admin /status; absent when the proxy was not reached or does not route this context. */
  traffic?: TrafficStatus;
  /** One sentence: what to do next. */
  nextStep: string;
  /** Parts this context's status could not read. */
  unreachable: StatusPart[];
  warnings: string[];
}

export interface ProxySummary {
  admin: string;
  reachable: boolean;
  error?: string;
  startedAt?: string;
  configLoadedAt?: string;
  lastReloadError?: string;
}

export interface StatusResult {
  version: 1;
  /** ISO time the status was read. */
  at: string;
  configFile: string;
  proxy: ProxySummary;
  contexts: ContextStatus[];
  /** Every part that could not be read, once each, with the contexts it concerns (empty when all answered). */
  unreachable: UnreachablePart[];
}
