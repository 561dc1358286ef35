/** What `strangler demo` reports while it runs: the progress view (ink or plain lines) is a listener of these. */

export interface DemoStepInfo {
  id: string;
  title: string;
}

export type DemoOutcome = 'done' | 'failed' | 'interrupted';

export type DemoEvent =
  | { type: 'start'; dir: string; steps: DemoStepInfo[] }
  | { type: 'step'; id: string; title: string; why: string; index: number; total: number }
  | { type: 'step-done'; id: string; summary: string; ms: number }
  | { type: 'step-failed'; id: string; message: string }
  /** The flow stops here without failing (it cannot go on honestly): the reason is in the summary's notDone. */
  | { type: 'step-skipped'; id: string; reason: string }
  /** Something worth a line of its own (e.g. "no Java: sync runs direct"). */
  | { type: 'note'; text: string }
  /** A live figure of the running step (rows applied, requests played); the plain printer shows only some. */
  | { type: 'progress'; id: string; text: string }
  | { type: 'cleanup-start'; count: number }
  | { type: 'cleanup'; what: string; ok: boolean; error?: string }
  | { type: 'finished'; result: DemoSummary };

export interface DemoCleanupRecord {
  what: string;
  ok: boolean;
  error?: string;
}

export interface DemoSummary {
  outcome: DemoOutcome;
  dir: string;
  /** The step that failed or was running when interrupted. */
  stoppedAt?: string;
  error?: string;
  /** What the flow did not do, and why (e.g. the traffic steps without a proxy). */
  notDone: string[];
  /** Files and folders left in `dir` for the user to look at. */
  artifacts: string[];
  /** Data folders left in place by --keep. */
  kept: string[];
  cleanup: DemoCleanupRecord[];
  /** Kafka or direct. */
  syncVia?: 'kafka' | 'direct';
}
