/**
 * `--wait-sync`: before comparing, wait until the service database has applied everything the monolith had
 * written when the check started. The goal is the source's current WAL position (pg_current_wal_lsn); the
 * position reached is read from `strangler sync`'s own state: its checkpoint in the target
 * (strangler_sync.checkpoints, end or commit LSN of the last applied transaction) or, when no table of the
 * context changed lately and the checkpoint therefore stays behind, the replication slot's confirmed_flush_lsn
 * in the source (the sync acknowledges only what the target has committed).
 * Without any sync state the wait is skipped with a warning: parity then compares whatever is there.
 */
import { connect } from '../adapters/postgres.ts';
import { EnvironmentError } from '../errors.ts';

export interface WaitSyncOptions {
  source: string;
  target: string;
  context: string;
  /** Replication slot of the context's sync (default strangler_<context>). */
  slot?: string;
  timeoutSeconds: number;
  pollMs?: number;
}

export interface WaitSyncResult {
  /** False when there was no sync state to wait on. */
  waited: boolean;
  goal?: string;
  reached?: string;
  /** Where the reached position was read: `checkpoint` (target) or `slot` (source). */
  via?: 'checkpoint' | 'slot';
  seconds: number;
  warnings: string[];
}

export async function waitForSync(options: WaitSyncOptions): Promise<WaitSyncResult> {
  const started = Date.now();
  const slot = options.slot ?? `strangler_${options.context.replace(/-/g, '_')}`;
  const [source, target] = await Promise.all([
    connect(options.source, { role: 'monolith (source)', applicationName: 'strangler-parity' }),
    connect(options.target, { role: 'service (target)', applicationName: 'strangler-parity' }),
  ]);
  try {
    const goal = (await source.query<{ lsn: string }>(`SELECT pg_current_wal_lsn()::text AS lsn`)).rows[0]!.lsn;
    const hasCheckpoints = (await target.query<{ ok: boolean }>(`SELECT to_regclass('strangler_sync.checkpoints') IS NOT NULL AS ok`)).rows[0]!.ok;
    const hasSlot = (await source.query(`SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()`, [slot])).rowCount! > 0;
    if (!hasCheckpoints && !hasSlot) {
      return {
        waited: false,
        seconds: 0,
        warnings: [`--wait-sync: no sync state for ${options.context} (no strangler_sync.checkpoints in the service database, no slot ${slot}); compared without waiting`],
      };
    }
    const deadline = started + options.timeoutSeconds * 1000;
    let reached: { lsn: string | null; via: 'checkpoint' | 'slot' } = { lsn: null, via: 'checkpoint' };
    for (;;) {
      if (hasCheckpoints) {
        const r = await target.query<{ lsn: string | null; done: boolean | null }>(
          `SELECT max(coalesce(end_lsn, commit_lsn))::text AS lsn, max(coalesce(end_lsn, commit_lsn)) >= $2::pg_lsn AS done
           FROM strangler_sync.checkpoints WHERE context = $1`,
          [options.context, goal],
        );
        reached = { lsn: r.rows[0]?.lsn ?? null, via: 'checkpoint' };
        if (r.rows[0]?.done) break;
      }
      if (hasSlot) {
        const r = await source.query<{ lsn: string | null; done: boolean | null }>(
          `SELECT confirmed_flush_lsn::text AS lsn, confirmed_flush_lsn >= $2::pg_lsn AS done FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()`,
          [slot, goal],
        );
        if (r.rows[0]?.done) {
          reached = { lsn: r.rows[0].lsn, via: 'slot' };
          break;
        }
        if (!reached.lsn) reached = { lsn: r.rows[0]?.lsn ?? null, via: 'slot' };
      }
      if (Date.now() >= deadline) {
        throw new EnvironmentError(
          `--wait-sync: the service database of ${options.context} did not catch up within ${options.timeoutSeconds} s (applied ${reached.lsn ?? 'nothing'}, source at ${goal})`,
          'is `strangler sync` running for this context? raise --wait-sync or run without it',
        );
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 200));
    }
    return { waited: true, goal, reached: reached.lsn ?? undefined, via: reached.via, seconds: (Date.now() - started) / 1000, warnings: [] };
  } finally {
    await Promise.all([source.end().catch(() => {}), target.end().catch(() => {})]);
  }
}
