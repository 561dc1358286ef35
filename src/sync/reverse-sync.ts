/**
 * `strangler sync reverse <domain>`: service -> monolith during the dual-write phase. The same engine the other
 * way round (publication + slot on the service database, apply into the monolith's tables), without a backfill
 * (the monolith already holds the rows), with loop prevention (replication origins) and the conflict policy.
 */
import { connect } from '../adapters/postgres.ts';
import { EnvironmentError } from '../errors.ts';
import { readState } from './checkpoint-store.ts';
import { checksConflicts, conflictCheckedSink, type Conflict, type ConflictPolicy } from './conflict-apply.ts';
import { canUseOrigins, originExists, originGrants, originName } from './replication-origin.ts';
import { PreflightError, type PreflightIssue } from './source-setup.ts';
import { runSync, type SyncEngineOptions, type SyncRunResult } from './sync-engine.ts';
import type { SyncEvent } from './sync-events.ts';
import { qualified, splitTableName } from './table-definition.ts';

export interface ReverseSyncOptions {
  domain: string;
  monolithUrl: string;
  serviceUrl: string;
  /** The context's tables as the monolith names them (`table` or `schema.table`). */
  tables: string[];
  /** Schema of those tables in the service database. */
  serviceSchema: string;
  conflicts: ConflictPolicy;
  slot?: string;
  publication?: string;
  batchSize: number;
  /** See the sync engine's lingerMs. */
  lingerMs?: number;
  maxRetries?: number;
  maxRetryDelayMs?: number;
  /** 'decoder': filter strangler's own transactions only in the decoder (as on servers before PostgreSQL 16). */
  loopPrevention?: 'auto' | 'decoder';
  signal?: AbortSignal;
  onEvent?: (e: SyncEvent) => void;
}

/** The state context of the reverse direction (kept in the monolith database). */
export function reverseContext(domain: string): string {
  return `${domain}:reverse`;
}

export function reverseSlotName(domain: string): string {
  return `strangler_${domain.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_reverse`;
}

function winner(policy: ConflictPolicy): 'monolith' | 'service' {
  return policy === 'monolith-wins' ? 'monolith' : 'service';
}

function conflictReporter(policy: ConflictPolicy, onEvent?: (e: SyncEvent) => void) {
  return (conflicts: Conflict[]) =>
    onEvent?.({ type: 'conflicts', winner: winner(policy), count: conflicts.length, tables: [...new Set(conflicts.map((c) => c.table))] });
}

/** What the forward direction (monolith -> service) needs while reverse sync runs: tag, filter, maybe check. */
export function forwardTwoWayOptions(
  domain: string,
  policy: ConflictPolicy,
  onEvent?: (e: SyncEvent) => void,
): Pick<SyncEngineOptions, 'applyOrigin' | 'loopPrevention' | 'sink'> {
  return {
    applyOrigin: originName(domain, 'forward'),
    loopPrevention: 'auto',
    ...(checksConflicts(policy, 'forward') ? { sink: conflictCheckedSink(conflictReporter(policy, onEvent)) } : {}),
  };
}

export async function runReverseSync(options: ReverseSyncOptions): Promise<SyncRunResult> {
  const names = options.tables.map((t) => splitTableName(t));
  const schemas = [...new Set(names.map((n) => n.schema))];
  if (schemas.length !== 1) {
    throw new EnvironmentError(
      `reverse sync of ${options.domain} needs its tables in one monolith schema, they are in ${schemas.join(', ')}`,
      'split the context, or run forward sync only',
    );
  }
  const serviceTables = names.map((n) => `${options.serviceSchema}.${n.table}`);
  await reversePreflight(options, serviceTables, names);
  const slot = options.slot ?? reverseSlotName(options.domain);
  return runSync({
    context: reverseContext(options.domain),
    sourceUrl: options.serviceUrl,
    targetUrl: options.monolithUrl,
    tables: serviceTables,
    targetSchema: schemas[0]!,
    slot,
    publication: options.publication ?? slot,
    batchSize: options.batchSize,
    lingerMs: options.lingerMs,
    backfill: false,
    applyOrigin: originName(options.domain, 'reverse'),
    loopPrevention: options.loopPrevention ?? 'auto',
    sink: checksConflicts(options.conflicts, 'reverse') ? conflictCheckedSink(conflictReporter(options.conflicts, options.onEvent)) : undefined,
    maxRetries: options.maxRetries,
    maxRetryDelayMs: options.maxRetryDelayMs,
    signal: options.signal,
    onEvent: options.onEvent,
  });
}

/**
 * Before the reverse direction starts: forward sync must be streaming and tagging what it applies (else its
 * changes would come back), the monolith role must be allowed to use replication origins, and the side whose
 * changes are checked must send whole before-images (REPLICA IDENTITY FULL). Strangler created the service
 * tables, so it sets that itself there; the monolith's tables are only reported.
 */
async function reversePreflight(options: ReverseSyncOptions, serviceTables: string[], monolithTables: { schema: string; table: string }[]): Promise<void> {
  const issues: PreflightIssue[] = [];
  const service = await connect(options.serviceUrl, { role: 'service', applicationName: 'strangler-sync' });
  try {
    const state = await readState(service, options.domain);
    if (state?.phase !== 'streaming') {
      throw new EnvironmentError(
        `forward sync of ${options.domain} is not streaming yet (${state ? `phase ${state.phase}` : 'it never ran against this service database'}), so the service tables may not hold the monolith's rows`,
        `run strangler sync start ${options.domain} first (with contexts.${options.domain}.sync.reverse: true) and wait for its backfill to finish`,
      );
    }
    if (!(await originExists(service, originName(options.domain, 'forward')))) {
      throw new EnvironmentError(
        `forward sync of ${options.domain} does not tag the changes it applies (no replication origin ${originName(options.domain, 'forward')} in the service database), so reverse sync would send them back`,
        `set contexts.${options.domain}.sync.reverse: true in strangler.yaml and restart strangler sync start ${options.domain}`,
      );
    }
    if (checksConflicts(options.conflicts, 'reverse')) {
      for (const t of serviceTables) {
        const { schema, table } = splitTableName(t);
        await service.query(`ALTER TABLE ${qualified(schema, table)} REPLICA IDENTITY FULL`);
      }
    }
  } finally {
    await service.end().catch(() => {});
  }
  const monolith = await connect(options.monolithUrl, { role: 'monolith', applicationName: 'strangler-sync' });
  try {
    const origins = await canUseOrigins(monolith);
    if (!origins.ok) {
      issues.push({
        check: 'privileges',
        problem: `role ${origins.user} may not use replication origins in the monolith database (loop prevention needs them)`,
        fix: `run as a superuser, or ${originGrants(origins.user)}`,
      });
    }
    if (checksConflicts(options.conflicts, 'forward')) {
      for (const { schema, table } of monolithTables) {
        const r = await monolith.query<{ ident: string }>(
          `SELECT c.relreplident AS ident FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
          [schema, table],
        );
        if (r.rows[0] && r.rows[0].ident !== 'f') {
          issues.push({
            check: 'replica_identity',
            problem: `conflicts: service-wins needs whole before-images of ${schema}.${table} from the monolith`,
            fix: `ALTER TABLE ${qualified(schema, table)} REPLICA IDENTITY FULL;`,
          });
        }
      }
    }
  } finally {
    await monolith.end().catch(() => {});
  }
  if (issues.length) throw new PreflightError(issues);
}
