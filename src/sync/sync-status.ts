/** What `strangler sync status` shows: slot and WAL on the source, phase and position in the target. */
import type pg from 'pg';
import { connect } from '../adapters/postgres.ts';
import { readBackfill, readCheckpoints, readState, type SyncState } from './checkpoint-store.ts';
import { comparePositions, formatLsn } from './lsn.ts';

export interface SlotStatus {
  exists: boolean;
  active: boolean;
  activePid: number | null;
  /** reserved / extended / unreserved / lost */
  walStatus: string | null;
  confirmedFlushLsn: string | null;
  restartLsn: string | null;
  currentLsn: string;
  /** WAL the slot keeps on the monolith's disk. */
  retainedWalBytes: number | null;
  /** WAL written since the last position acknowledged by sync. */
  lagBytes: number | null;
}

export interface ContextSyncStatus {
  context: string;
  slotName: string;
  publication: string;
  source: { reachable: boolean; error?: string; slot?: SlotStatus };
  target: {
    reachable: boolean;
    error?: string;
    phase?: SyncState['phase'];
    status?: string;
    message?: string | null;
    lastAppliedPosition?: string | null;
    lastCommitTime?: string | null;
    rowsApplied?: number;
    updatedAt?: string | null;
    backfill?: { table: string; rows: number; completedAt: string }[];
  };
  lagSeconds: number | null;
  warnings: string[];
}

export async function readSourceSlot(client: pg.ClientBase, slot: string): Promise<{ slot: SlotStatus; replayLagSeconds: number | null }> {
  const r = await client.query(
    `SELECT s.slot_name IS NOT NULL AS exists, coalesce(s.active, false) AS active, s.active_pid, s.wal_status,
            s.confirmed_flush_lsn::text AS confirmed, s.restart_lsn::text AS restart, pg_current_wal_lsn()::text AS current,
            pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint AS retained,
            pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::bigint AS lag,
            extract(epoch FROM r.replay_lag)::float8 AS replay_lag
     FROM (SELECT 1) one
     LEFT JOIN pg_replication_slots s ON s.slot_name = $1
     LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid`,
    [slot],
  );
  const x = r.rows[0];
  return {
    slot: {
      exists: x.exists,
      active: x.active,
      activePid: x.active_pid,
      walStatus: x.wal_status,
      confirmedFlushLsn: x.confirmed,
      restartLsn: x.restart,
      currentLsn: x.current,
      retainedWalBytes: x.retained === null ? null : Number(x.retained),
      lagBytes: x.lag === null ? null : Number(x.lag),
    },
    replayLagSeconds: x.replay_lag,
  };
}

export interface StatusInput {
  context: string;
  sourceUrl?: string;
  targetUrl?: string;
  slot: string;
  publication: string;
  warnRetainedBytes: number;
}

export async function readSyncStatus(input: StatusInput): Promise<ContextSyncStatus> {
  const out: ContextSyncStatus = {
    context: input.context,
    slotName: input.slot,
    publication: input.publication,
    source: { reachable: false },
    target: { reachable: false },
    lagSeconds: null,
    warnings: [],
  };
  let replayLag: number | null = null;
  if (input.sourceUrl) {
    try {
      const c = await connect(input.sourceUrl, { role: 'monolith', connectTimeoutMs: 5_000 });
      try {
        const { slot, replayLagSeconds } = await readSourceSlot(c, input.slot);
        out.source = { reachable: true, slot };
        replayLag = replayLagSeconds;
      } finally {
        await c.end().catch(() => {});
      }
    } catch (e) {
      out.source = { reachable: false, error: (e as Error).message };
    }
  } else out.source.error = 'no monolith database configured';
  if (input.targetUrl) {
    try {
      const c = await connect(input.targetUrl, { role: 'service', connectTimeoutMs: 5_000 });
      try {
        const state = await readState(c, input.context);
        out.target = { reachable: true };
        if (state) {
          const all = await readCheckpoints(c, input.context);
          // Direct sync keeps one position; through Kafka there is one per topic partition: show the furthest.
          const applied = all.filter((x) => x.stream !== 'kafka:floor');
          const cp = applied.find((x) => x.stream === '') ?? [...applied].sort(comparePositions).at(-1);
          out.target = {
            reachable: true,
            phase: state.phase,
            status: state.status,
            message: state.message,
            lastAppliedPosition: cp ? `${formatLsn(cp.commitLsn)}#${cp.index}` : null,
            lastCommitTime: cp?.commitTime?.toISOString() ?? null,
            rowsApplied: all.reduce((n, x) => n + x.rowsApplied, 0),
            updatedAt: (cp?.updatedAt ?? state.updatedAt)?.toISOString() ?? null,
            backfill: (await readBackfill(c, input.context)).map((b) => ({ ...b, completedAt: b.completedAt.toISOString() })),
          };
        }
      } finally {
        await c.end().catch(() => {});
      }
    } catch (e) {
      out.target = { reachable: false, error: (e as Error).message };
    }
  } else out.target.error = 'no service database configured';

  const slot = out.source.slot;
  if (slot?.exists) out.lagSeconds = replayLag ?? (slot.lagBytes === 0 ? 0 : null);
  if (!out.source.reachable) out.warnings.push(`monolith database unreachable: ${out.source.error}`);
  if (!out.target.reachable) out.warnings.push(`service database unreachable: ${out.target.error}`);
  if (out.source.reachable && slot && !slot.exists) out.warnings.push(`replication slot ${input.slot} does not exist (sync never started, or was torn down)`);
  if (slot?.exists && (slot.retainedWalBytes ?? 0) > input.warnRetainedBytes) {
    out.warnings.push(
      `slot ${input.slot} retains ${Math.round((slot.retainedWalBytes ?? 0) / 1048576)} MB of WAL on the monolith: ${slot.active ? 'sync is falling behind' : 'no sync is running'}; start it or run strangler sync teardown ${input.context}`,
    );
  }
  if (slot?.walStatus === 'lost') out.warnings.push(`slot ${input.slot} has lost required WAL: teardown and start again`);
  if (out.target.status === 'paused' || out.target.status === 'error') out.warnings.push(`sync ${out.target.status}: ${out.target.message ?? ''}`);
  return out;
}
