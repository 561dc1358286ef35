/**
 * `strangler sync start`: pre-flight, target tables, publication + slot with an exported snapshot, consistent
 * backfill, then change data capture from the slot's consistent point. Batches are applied to the target in one
 * transaction with their checkpoint; only what the target committed is acknowledged to the slot. Transient
 * failures (a database restarting or unreachable) are retried with backoff, resuming from the checkpoint.
 */
import type pg from 'pg';
import { connect, redactUrl } from '../adapters/postgres.ts';
import { EnvironmentError } from '../errors.ts';
import { ApplyError, ChangeApplier, type TargetTable } from './apply-changes.ts';
import { backfill } from './backfill.ts';
import {
  ensureStateTables,
  readCheckpoint,
  readState,
  resetContext,
  writeState,
  writeStatus,
} from './checkpoint-store.ts';
import { comparePositions, formatLsn, ZERO_POSITION, type Lsn, type Position } from './lsn.ts';
import { PgoutputDecoder, type RelationMessage } from './pgoutput-decoder.ts';
import { ReplicationStream } from './replication-stream.ts';
import { isStranglerOrigin, serverFiltersOrigins, setupSessionOrigin } from './replication-origin.ts';
import { relationName, toRowChange, type RowChange } from './row-change.ts';
import { syncSequences } from './sequences.ts';
import {
  createSlotWithSnapshot,
  dropSlot,
  ensurePublication,
  PreflightError,
  preflight,
  readSlot,
  SlotInUseError,
  waitForSlotFree,
} from './source-setup.ts';
import type { SyncEvent } from './sync-events.ts';
import { IncompatibleTargetError, prepareTargetTables, targetTable } from './target-tables.ts';
import type { TableDefinition } from './table-definition.ts';

export interface SyncEngineOptions {
  context: string;
  sourceUrl: string;
  targetUrl: string;
  /** Source tables (`table` or `schema.table`). */
  tables: string[];
  targetSchema: string;
  slot: string;
  publication: string;
  batchSize: number;
  /** Where changes go once decoded (default: applied to the target directly). */
  sink?: ChangeSinkFactory;
  via?: string;
  heartbeatMs?: number;
  sequenceSyncMs?: number;
  /** How long to wait for a slot still held by a predecessor. */
  slotWaitMs?: number;
  /** Give up after this many consecutive failed attempts (default: never). */
  maxRetries?: number;
  maxRetryDelayMs?: number;
  backfillConcurrency?: number;
  /** Published but neither backfilled nor applied: their changes only go to the sink (e.g. the outbox relayed to Kafka). */
  relayTables?: string[];
  /** false: no backfill (reverse sync: the target already holds the rows); changes stream from the slot's creation. */
  backfill?: boolean;
  /** Two-way sync: the replication origin the applier marks its transactions with (created when missing). */
  applyOrigin?: string;
  /**
   * Two-way sync: drop transactions applied by strangler (they carry a strangler origin). 'auto' also asks the
   * server to filter them (`origin 'none'`, PostgreSQL 16+); 'decoder' filters only here (older servers).
   */
  loopPrevention?: 'auto' | 'decoder';
  signal?: AbortSignal;
  onEvent?: (e: SyncEvent) => void;
}

export interface SyncRunResult {
  context: string;
  rowsApplied: number;
  backfilledRows: number;
  lastPosition: string;
  stoppedBy: 'signal' | 'end';
}

/** Receives decoded changes in order; resolves once they are durable downstream. */
export interface ChangeSink {
  /** Position to skip to (changes at or before it were already delivered). */
  resumeFrom(): Promise<Position>;
  write(changes: RowChange[], upTo: { position: Position; endLsn: Lsn | null; commitTime: Date | null }): Promise<void>;
  /** The target learned about a table's new shape (after a pause). */
  refreshTable?(table: TargetTable): void;
  /** Two-way sync: also receive strangler's own transactions (marked with `origin`) to track them; never apply them. */
  observesOwnChanges?: boolean;
  /** Why the sink cannot go on (e.g. its Kafka consumer failed); checked on every frame. */
  failure?(): unknown;
  close(): Promise<void>;
}

export type ChangeSinkFactory = (ctx: { source: pg.Client; slot: string; target: pg.Client; targets: Map<string, TargetTable>; context: string }) => Promise<ChangeSink>;

export const directSink: ChangeSinkFactory = async ({ target, targets, context }) => {
  const applier = new ChangeApplier(target, context, targets);
  return {
    resumeFrom: () => readCheckpoint(target, context, ''),
    write: (changes, upTo) =>
      applier.apply(changes, [{ stream: '', position: upTo.position, rows: changes.length, endLsn: upTo.endLsn, commitTime: upTo.commitTime }]),
    close: async () => {},
  };
};

const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', '57P01', '57P02', '57P03', '53300', '40001', '40P01', '55006']);

export function isTransient(e: unknown): boolean {
  if (e instanceof PreflightError || e instanceof IncompatibleTargetError || e instanceof ApplyError) return false;
  if ((e as { transient?: unknown } | null)?.transient === true) return true; // e.g. Kafka brokers unreachable
  for (let cur: unknown = e, depth = 0; cur && depth < 4; cur = (cur as { cause?: unknown }).cause, depth++) {
    const err = cur as { code?: string; message?: string };
    if (err.code && (TRANSIENT_CODES.has(err.code) || err.code.startsWith('08'))) return true;
    if (/Connection terminated|connection terminated|terminating connection|socket hang up|Client has encountered a connection error|not queryable|timeout expired|the database system is (starting|shutting) up/i.test(err.message ?? '')) return true;
  }
  return false;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export async function runSync(options: SyncEngineOptions): Promise<SyncRunResult> {
  const emit = (e: SyncEvent) => options.onEvent?.(e);
  const totals = { rowsApplied: 0, backfilledRows: 0, lastPosition: ZERO_POSITION as Position };
  let failures = 0;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) break;
    let progressed = false;
    try {
      emit({ type: 'connecting', attempt });
      await runOnce(options, totals, () => {
        progressed = true;
        failures = 0;
      });
      break;
    } catch (e) {
      if (options.signal?.aborted) break;
      if (e instanceof ApplyError) {
        throw new EnvironmentError(e.message, 'fix the service database (data or constraint), then run strangler sync start again; nothing was acknowledged', { cause: e });
      }
      if (!isTransient(e)) throw e;
      failures = progressed ? 1 : failures + 1;
      if (options.maxRetries !== undefined && failures > options.maxRetries) {
        const hint = (e as { hint?: string }).hint ?? 'check that both databases are reachable';
        throw new EnvironmentError(`sync ${options.context} gave up after ${failures} attempts: ${(e as Error).message}`, hint, { cause: e });
      }
      const delayMs = Math.min(options.maxRetryDelayMs ?? 30_000, 250 * 2 ** Math.min(failures, 8));
      emit({ type: 'retry', attempt: failures, delayMs, reason: (e as Error).message });
      await sleep(delayMs, options.signal);
    }
  }
  emit({ type: 'stopped', rowsApplied: totals.rowsApplied });
  return {
    context: options.context,
    rowsApplied: totals.rowsApplied,
    backfilledRows: totals.backfilledRows,
    lastPosition: `${formatLsn(totals.lastPosition.commitLsn)}#${totals.lastPosition.index}`,
    stoppedBy: options.signal?.aborted ? 'signal' : 'end',
  };
}

interface Totals {
  rowsApplied: number;
  backfilledRows: number;
  lastPosition: Position;
}

async function runOnce(options: SyncEngineOptions, totals: Totals, onProgress: () => void): Promise<void> {
  const emit = (e: SyncEvent) => options.onEvent?.(e);
  const source = await connect(options.sourceUrl, { role: 'monolith', applicationName: 'strangler-sync' });
  let target: pg.Client | undefined;
  try {
    target = await connect(options.targetUrl, { role: 'service', applicationName: 'strangler-sync' });
    const issues = await preflight(source, [...options.tables, ...(options.relayTables ?? [])], options.slot);
    emit({ type: 'preflight', issues });
    if (issues.length) throw new PreflightError(issues);
    const prepared = await prepareTargetTables(source, target, options.tables, options.targetSchema);
    emit({ type: 'target-tables', created: prepared.created, existing: prepared.existing });
    await ensureStateTables(target);
    const state = await readState(target, options.context);
    const slot = await readSlot(source, options.slot);
    const tablesKey = prepared.definitions.map((d) => `${d.schema}.${d.table}`).sort();
    if (state?.phase === 'streaming') {
      if (!slot.exists) {
        throw new EnvironmentError(
          `replication slot ${options.slot} is gone from the monolith database, so changes since the last run are lost to sync ${options.context}`,
          `run strangler sync teardown ${options.context} --yes, then strangler sync start ${options.context} (a fresh backfill)`,
        );
      }
      if (state.tables.slice().sort().join(',') !== tablesKey.join(',')) {
        throw new EnvironmentError(
          `the tables of context ${options.context} changed since its sync started (${state.tables.join(', ')})`,
          `run strangler sync teardown ${options.context} --yes, then start again for a fresh backfill`,
        );
      }
      // an outbox configured after the first start: publish it from now on
      if (options.relayTables?.length) await ensurePublication(source, options.publication, [...options.tables, ...options.relayTables]);
    } else {
      await initialLoad(options, source, target, prepared.definitions, tablesKey, totals);
    }
    await stream(options, source, target, prepared.definitions, prepared.targets, totals, onProgress);
  } finally {
    await Promise.all([source.end().catch(() => {}), target?.end().catch(() => {})]);
  }
}

async function initialLoad(
  options: SyncEngineOptions,
  source: pg.Client,
  target: pg.Client,
  definitions: TableDefinition[],
  tables: string[],
  totals: Totals,
): Promise<void> {
  const emit = (e: SyncEvent) => options.onEvent?.(e);
  const started = Date.now();
  await ensurePublication(source, options.publication, [...options.tables, ...(options.relayTables ?? [])]);
  await dropSlot(source, options.slot, options.slotWaitMs ?? 10_000);
  await resetContext(target, options.context);
  await writeState(target, { context: options.context, phase: 'backfill', slot: options.slot, publication: options.publication, via: options.via ?? 'direct', tables });
  const exported = await createSlotWithSnapshot(options.sourceUrl, options.slot);
  emit({ type: 'slot-created', slot: options.slot, consistentPoint: formatLsn(exported.consistentPoint), snapshot: exported.snapshotName });
  try {
    if (options.backfill !== false) {
      const targets = new Map(definitions.map((d) => [`${d.schema}.${d.table}`, `"${options.targetSchema.replace(/"/g, '""')}"."${d.table.replace(/"/g, '""')}"`]));
      const { rows } = await backfill({
        sourceUrl: options.sourceUrl,
        targetUrl: options.targetUrl,
        snapshotName: exported.snapshotName,
        context: options.context,
        tables: definitions.map((d) => ({ definition: d, target: targets.get(`${d.schema}.${d.table}`)! })),
        concurrency: options.backfillConcurrency,
        onTable: (e) => emit({ type: 'backfill-table', ...e }),
      });
      totals.backfilledRows += rows;
      emit({ type: 'backfill-done', rows, ms: Date.now() - started });
    }
  } finally {
    await exported.connection.end().catch(() => {});
  }
  emit({ type: 'sequences', moved: await syncSequences(source, target, definitions, options.targetSchema) });
  await writeState(target, { context: options.context, phase: 'streaming', slot: options.slot, publication: options.publication, via: options.via ?? 'direct', tables });
}

async function stream(
  options: SyncEngineOptions,
  source: pg.Client,
  target: pg.Client,
  definitions: TableDefinition[],
  targets: Map<string, TargetTable>,
  totals: Totals,
  onProgress: () => void,
): Promise<void> {
  const emit = (e: SyncEvent) => options.onEvent?.(e);
  const signal = options.signal;
  await waitForSlotFree(source, options.slot, options.slotWaitMs ?? 10_000).catch((e) => {
    throw e instanceof SlotInUseError ? e : e;
  });
  if (options.applyOrigin) await setupSessionOrigin(target, options.applyOrigin);
  const sink = await (options.sink ?? directSink)({ source, slot: options.slot, target, targets, context: options.context });
  const checkpoint = await sink.resumeFrom();
  const serverFilter = options.loopPrevention === 'auto' && !sink.observesOwnChanges && (await serverFiltersOrigins(source));
  const rs = await ReplicationStream.start(options.sourceUrl, options.slot, options.publication, 0n, serverFilter);
  emit({ type: 'streaming', slot: options.slot, from: `${formatLsn(checkpoint.commitLsn)}#${checkpoint.index}` });
  onProgress(); // streaming again: the retry count starts over (a sink that cannot start is not progress)
  await writeStatus(target, options.context, 'streaming', null);

  const decoder = new PgoutputDecoder();
  let acked: Lsn = 0n; // everything before this is durable downstream
  let pending: RowChange[] = [];
  let txn: { commitLsn: Lsn; xid: number; commitTime: Date; index: number; origin?: string } | null = null;
  let lastComplete: { endLsn: Lsn; commitTime: Date } | null = null; // last whole transaction in `pending`
  let lastPos: Position | null = null;
  let paused: string | null = null;
  let failure: unknown;

  const statusTimer = setInterval(() => rs.sendStatus(acked), 5_000);
  const heartbeat = setInterval(() => {
    source.query(`SELECT pg_logical_emit_message(false, 'strangler.heartbeat', $1)`, [options.context]).catch(() => {});
  }, options.heartbeatMs ?? 10_000);
  let syncingSequences = false;
  const sequenceTimer = setInterval(() => {
    if (syncingSequences) return;
    syncingSequences = true;
    // its own connection: the main target connection is busy applying
    connect(options.targetUrl, { role: 'service' })
      .then(async (t) => {
        try {
          await syncSequences(source, t, definitions, options.targetSchema);
        } finally {
          await t.end();
        }
      })
      .catch(() => {})
      .finally(() => (syncingSequences = false));
  }, options.sequenceSyncMs ?? 30_000);
  const onAbort = () => {
    emit({ type: 'stopping' });
    // a pending read is interrupted; what was received and not applied is simply sent again next time
    if (pending.length === 0 || !flushing) void rs.close();
  };
  let flushing = false;
  signal?.addEventListener('abort', onAbort, { once: true });

  const flush = async () => {
    if (pending.length === 0 || !lastPos) return;
    flushing = true;
    const batch = pending;
    const upTo = { position: lastPos, endLsn: lastComplete && txn === null ? lastComplete.endLsn : null, commitTime: lastComplete?.commitTime ?? null };
    await sink.write(batch, upTo);
    flushing = false;
    pending = [];
    totals.rowsApplied += batch.length;
    totals.lastPosition = lastPos;
    if (lastComplete) acked = lastComplete.endLsn > acked ? lastComplete.endLsn : acked;
    lastComplete = null;
    rs.sendStatus(acked);
    onProgress();
    const commitTime = upTo.commitTime ?? batch[batch.length - 1]!.commitTime;
    emit({ type: 'applied', rows: batch.length, totalRows: totals.rowsApplied, position: `${formatLsn(lastPos.commitLsn)}#${lastPos.index}`, lagMs: Math.max(0, Date.now() - commitTime.getTime()) });
    if (signal?.aborted) void rs.close();
  };

  const checkRelation = async (rel: RelationMessage) => {
    const name = relationName(rel);
    let t = targets.get(name);
    if (!t) return;
    const missing = () => rel.columns.filter((c) => !t!.types.has(c.name)).map((c) => c.name);
    if (missing().length === 0) return;
    await flush();
    paused = `schema change on ${name}: column(s) ${missing().join(', ')} are not in the service table ${t.target}`;
    emit({ type: 'paused', table: name, reason: paused });
    await writeStatus(target, options.context, 'paused', `${paused} — add them to the service table; sync resumes by itself`);
    const def = definitions.find((d) => `${d.schema}.${d.table}` === name)!;
    while (!signal?.aborted) {
      await sleep(2_000, signal);
      t = await targetTable(target, def, options.targetSchema);
      if (missing().length === 0) break;
    }
    if (signal?.aborted) return;
    targets.set(name, t);
    sink.refreshTable?.(t);
    paused = null;
    emit({ type: 'resumed', table: name });
    await writeStatus(target, options.context, 'streaming', null);
  };

  try {
    for await (const frame of rs.frames()) {
      if (signal?.aborted && !txn) break;
      const sinkFailure = sink.failure?.();
      if (sinkFailure) throw sinkFailure;
      if (frame.kind === 'keepalive') {
        if (pending.length && txn === null) await flush();
        if (pending.length === 0 && txn === null && frame.walEnd > acked) acked = frame.walEnd;
        if (frame.replyRequested) rs.sendStatus(acked);
        continue;
      }
      const msg = decoder.decode(frame.data);
      switch (msg.tag) {
        case 'begin':
          txn = { commitLsn: msg.commitLsn, xid: msg.xid, commitTime: msg.commitTime, index: -1 };
          break;
        case 'relation':
          await checkRelation(msg);
          break;
        case 'insert':
        case 'update':
        case 'delete':
        case 'truncate': {
          if (!txn) throw new Error(`pgoutput: ${msg.tag} outside a transaction`);
          if (txn.origin && !sink.observesOwnChanges) break; // applied by strangler: sending it back would loop
          txn.index++;
          const position = { commitLsn: txn.commitLsn, index: txn.index };
          if (comparePositions(position, checkpoint) <= 0) break; // already applied before a restart
          const change = toRowChange(msg, position, txn.xid, txn.commitTime);
          pending.push(txn.origin ? { ...change, origin: txn.origin } : change);
          lastPos = position;
          if (pending.length >= options.batchSize) await flush();
          break;
        }
        case 'commit': {
          const endLsn = msg.endLsn;
          txn = null;
          if (pending.length === 0) {
            // nothing of this transaction to apply (or all of it already applied): safe to acknowledge
            if (endLsn > acked) acked = endLsn;
            break;
          }
          lastComplete = { endLsn, commitTime: msg.commitTime };
          if (pending.length >= options.batchSize || rs.buffered === 0 || signal?.aborted) await flush();
          break;
        }
        case 'message':
          if (!msg.transactional && pending.length === 0 && txn === null && msg.lsn > acked) acked = msg.lsn;
          break;
        case 'origin':
          if (txn && options.loopPrevention && isStranglerOrigin(msg.name)) txn.origin = msg.name;
          break;
        case 'type':
          break;
      }
      if (signal?.aborted && !txn) break;
    }
    if (pending.length && txn === null) await flush();
  } catch (e) {
    failure = e;
  } finally {
    clearInterval(statusTimer);
    clearInterval(heartbeat);
    clearInterval(sequenceTimer);
    signal?.removeEventListener('abort', onAbort);
    await rs.close();
    await sink.close().catch(() => {});
  }
  if (failure && !(signal?.aborted && !(failure instanceof ApplyError))) {
    if (failure instanceof ApplyError) await writeStatus(target, options.context, 'error', failure.message).catch(() => {});
    throw failure;
  }
  if (!signal?.aborted) throw Object.assign(new Error('replication stream ended (connection terminated)'), { code: '08006' });
  await writeStatus(target, options.context, 'stopped', null).catch(() => {});
  void paused;
}

export { redactUrl };
