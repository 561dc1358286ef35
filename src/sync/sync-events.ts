/** What a running sync reports while it works (the command's reporter prints these). */
import type { PreflightIssue } from './source-setup.ts';

export type SyncEvent =
  | { type: 'connecting'; attempt: number }
  | { type: 'preflight'; issues: PreflightIssue[] }
  | { type: 'target-tables'; created: string[]; existing: string[]; leftOut?: { table: string; items: string[] }[] }
  | { type: 'slot-created'; slot: string; consistentPoint: string; snapshot: string }
  | { type: 'backfill-table'; table: string; rows: number; ms: number }
  | { type: 'backfill-done'; rows: number; ms: number }
  | { type: 'sequences'; moved: number }
  | { type: 'streaming'; slot: string; from: string }
  | { type: 'applied'; rows: number; totalRows: number; position: string; lagMs: number | null }
  | { type: 'paused'; table: string; reason: string }
  | { type: 'resumed'; table: string }
  | { type: 'new-table'; context: string; table: string }
  | { type: 'retry'; attempt: number; delayMs: number; reason: string }
  | { type: 'conflicts'; winner: 'monolith' | 'service'; count: number; tables: string[] }
  | { type: 'stopping' }
  | { type: 'stopped'; rowsApplied: number };
