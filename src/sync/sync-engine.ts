/**
 * `strangler sync start`: pre-flight, target tables, publication + slot with an exported snapshot, consistent
 * backfill, then change data capture from the slot's consistent point. Batches are applied to the target in one
 * transaction with their checkpoint; only what the target committed is acknowledged to the slot. Transient
 * failures (a database restarting or unreachable) are retried with backoff, resuming from the checkpoint.
 */
import type pg from 'pg';
import { connect, redactUrl } from '../adapters/postgres.ts';
import { describeRelations, relationConfigError } from '../adapters/postgres-relations.ts';
import { ConfigError, EnvironmentError } from '../errors.ts';
import { ApplyError, ChangeApplier, type TargetTable } from './apply-changes.ts';
import { BatchBuilder, type SealedBatch } from './batch-builder.ts';
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
  listTables,
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
  /**
   * How long a transaction that arrives while nothing is being applied waits for others to share its target
   * transaction (default 20 ms). Transactions arriving while a batch is applied always go together into the next.
   */
  lingerMs?: number;
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

const DEFAULT_LINGER_MS = 20;

const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', '57P01', '57P02', '57P03', '53300', '40001', '40P01', '55006']);

export function isTransient(e: unknown): boolean {
  if (e instanceof PreflightError || e instanceof IncompatibleTargetError || e instanceof ApplyError || e instanceof ConfigError) return false;
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
    await refuseNonTables(source, options.context, [...options.tables, ...(options.relayTables ?? [])]);
    const issues = await preflight(source, [...options.tables, ...(options.relayTables ?? [])], options.slot);
    emit({ type: 'preflight', issues });
    if (issues.length) throw new PreflightError(issues);
    const prepared = await prepareTargetTables(source, target, options.tables, options.targetSchema, options.context);
    emit({ type: 'target-tables', created: prepared.created, existing: prepared.existing, leftOut: prepared.leftOut });
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

/** A configured name that is not a table (missing, a view...) or a partition listed with its root: a config error (exit 2). */
async function refuseNonTables(source: pg.Client, context: string, tables: string[]): Promise<void> {
  const where = `contexts.${context}.tables`;
  const infos = await describeRelations(source, tables);
  for (const info of infos) {
    const e = relationConfigError(info, where);
    if (e) throw e;
    if (info.partitionOf && infos.some((o) => `${o.schema}.${o.table}` === info.partitionOf)) {
      throw new ConfigError(
        `${where} names ${info.schema}.${info.table}, a partition of ${info.partitionOf}, which it also names: the partition's rows are synced with ${info.partitionOf}`,
        `remove ${info.schema}.${info.table} from ${where}`,
      );
    }
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
  await writeStatus(target, options.context, 'streaming', null);

  const decoder = new PgoutputDecoder();
  let acked: Lsn = 0n; // everything before this is durable downstream
  let txn: { commitLsn: Lsn; xid: number; commitTime: Date; index: number; origin?: string } | null = null;
  let paused: string | null = null;
  let failure: unknown;
  // Reading and applying overlap: the reader decodes into `builder` while the applier commits the previous batch.
  // Whole transactions held while a batch is applied go together into the next one (group commit); at most one
  // sealed batch waits, so a large transaction pauses the socket instead of growing memory.
  const builder = new BatchBuilder();
  const queue: SealedBatch[] = [];
  let applying: Promise<void> | null = null;
  let applyFailure: unknown;
  let wakeReader: (() => void) | null = null;
  let lingerTimer: NodeJS.Timeout | null = null;
  const lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
  const idle = () => applying === null && queue.length === 0;
  const wake = () => {
    const w = wakeReader;
    wakeReader = null;
    w?.();
  };

  const statusTimer = setInterval(() => rs.sendStatus(acked), 5_000);
  const heartbeat = setInterval(() => {
    source.query(`SELECT pg_logical_emit_message(false, 'strangler.heartbeat', $1)`, [options.context]).catch(() => {});
  }, options.heartbeatMs ?? 10_000);
  const schemas = [...new Set(definitions.map((d) => d.schema))];
  const knownTables = new Set(await listTables(source, schemas));
  const reportNewTables = async () => {
    for (const t of await listTables(source, schemas)) {
      if (knownTables.has(t)) continue;
      knownTables.add(t);
      emit({ type: 'new-table', context: options.context, table: t });
    }
  };
  let syncingSequences = false;
  const sequenceTimer = setInterval(() => {
    if (syncingSequences) return;
    syncingSequences = true;
    void reportNewTables().catch(() => {});
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
    if (applying === null) void rs.close();
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  const applyBatch = async (batch: SealedBatch) => {
    if (batch.changes.length && batch.upTo) {
      await sink.write(batch.changes, { position: batch.upTo, endLsn: batch.endsAtCommit ? batch.ackTo : null, commitTime: batch.commitTime });
      totals.rowsApplied += batch.changes.length;
      totals.lastPosition = batch.upTo;
    }
    if (batch.ackTo !== null && batch.ackTo > acked) acked = batch.ackTo;
    rs.sendStatus(acked);
    if (batch.changes.length && batch.upTo) {
      onProgress(); // a batch written: the retry count starts over (starting to stream and failing again is not progress)
      const commitTime = batch.commitTime ?? batch.changes[batch.changes.length - 1]!.commitTime;
      emit({ type: 'applied', rows: batch.changes.length, totalRows: totals.rowsApplied, position: `${formatLsn(batch.upTo.commitLsn)}#${batch.upTo.index}`, lagMs: Math.max(0, Date.now() - commitTime.getTime()) });
    }
  };
  /** Starts applying the next sealed batch unless one is being applied; after it, whole transactions that arrived meanwhile. */
  const pump = () => {
    if (applying || applyFailure !== undefined) return;
    if (signal?.aborted) {
      void rs.close(); // stops after the batch being applied; the rest is sent again next time
      return;
    }
    const batch = queue.shift();
    if (!batch) return;
    applying = applyBatch(batch).then(
      () => {
        applying = null;
        if (queue.length === 0 && builder.hasComplete) queue.push(builder.sealComplete()!);
        wake();
        pump();
      },
      (e: unknown) => {
        applying = null;
        applyFailure = e ?? new Error('apply failed');
        void rs.close();
        wake();
      },
    );
  };
  const seal = (all: boolean) => {
    if (lingerTimer) clearTimeout(lingerTimer);
    lingerTimer = null;
    const batch = all ? builder.sealAll() : builder.sealComplete();
    if (batch) queue.push(batch);
    pump();
  };
  /** Waits until no sealed batch is waiting (the reader then stops reading: backpressure on the socket). */
  const room = async () => {
    while (queue.length > 0 && applyFailure === undefined) await new Promise<void>((r) => (wakeReader = r));
    if (applyFailure !== undefined) throw applyFailure;
  };
  /** Applies everything held, the open transaction's changes included, and waits for it. */
  const drain = async () => {
    await room();
    seal(true);
    while (!idle() && applyFailure === undefined) await new Promise<void>((r) => (wakeReader = r));
    if (applyFailure !== undefined) throw applyFailure;
  };
  /** A transaction committed: apply now when idle (after a short linger, to group small transactions), else with the next batch. */
  const committed = () => {
    if (builder.size >= options.batchSize || signal?.aborted || lingerMs <= 0) {
      if (idle()) seal(false);
      return;
    }
    if (idle() && !lingerTimer) lingerTimer = setTimeout(() => (lingerTimer = null, idle() && seal(false)), lingerMs);
  };

  const checkRelation = async (rel: RelationMessage) => {
    const name = relationName(rel);
    let t = targets.get(name);
    if (!t) return;
    const missing = () => rel.columns.filter((c) => !t!.types.has(c.name)).map((c) => c.name);
    if (missing().length === 0) return;
    await drain();
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
      if (applyFailure !== undefined) throw applyFailure;
      if (signal?.aborted && !txn) break;
      const sinkFailure = sink.failure?.();
      if (sinkFailure) throw sinkFailure;
      if (frame.kind === 'keepalive') {
        if (txn === null && builder.hasComplete && idle()) seal(false);
        if (txn === null && builder.isEmpty && idle() && frame.walEnd > acked) acked = frame.walEnd;
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
          builder.add(txn.origin ? { ...change, origin: txn.origin } : change);
          if (builder.size >= options.batchSize) {
            await room();
            seal(true);
          }
          break;
        }
        case 'commit':
          // a transaction with nothing to apply (or all of it applied before) is acknowledged with the batch it closes
          txn = null;
          builder.commit(msg.endLsn, msg.commitTime);
          committed();
          break;
        case 'message':
          if (!msg.transactional && txn === null && builder.isEmpty && idle() && msg.lsn > acked) acked = msg.lsn;
          break;
        case 'origin':
          if (txn && options.loopPrevention && isStranglerOrigin(msg.name)) txn.origin = msg.name;
          break;
        case 'type':
          break;
      }
      if (signal?.aborted && !txn) break;
    }
    if (txn === null && !signal?.aborted && applyFailure === undefined) seal(false);
  } catch (e) {
    failure = e;
  } finally {
    clearInterval(statusTimer);
    clearInterval(heartbeat);
    clearInterval(sequenceTimer);
    if (lingerTimer) clearTimeout(lingerTimer);
    signal?.removeEventListener('abort', onAbort);
    queue.length = 0;
    while (applying) await applying; // the target connection is closed after this: let the batch in flight finish
    if (applyFailure !== undefined) failure = applyFailure; // the stream closed because of it: report the cause
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
