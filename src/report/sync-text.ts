/** Text and line output of `strangler sync`: progress events, status, stop and teardown results. */
import type { DetachResult, SyncStatusResult, SyncStopResult, SyncTeardownResult } from '../commands/sync.ts';
import type { SyncRunResult } from '../sync/sync-engine.ts';
import type { SyncEvent } from '../sync/sync-events.ts';
import { painter, table } from './format.ts';

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-';
  if (n < 1024) return `${n} B`;
  if (n < 1048576) return `${(n / 1024).toFixed(1)} kB`;
  if (n < 1073741824) return `${(n / 1048576).toFixed(1)} MB`;
  return `${(n / 1073741824).toFixed(2)} GB`;
}

/** Returns a listener that prints one plain line per event; `applied` events are summarised every few seconds. */
export function syncEventPrinter(write: (s: string) => void, options: { summaryEveryMs?: number; now?: () => number } = {}) {
  const now = options.now ?? Date.now;
  let lastSummary = 0;
  let rowsSince = 0;
  const line = (s: string) => write(`${new Date(now()).toISOString()} ${s}\n`);
  return (e: SyncEvent) => {
    switch (e.type) {
      case 'connecting':
        if (e.attempt === 1) line('connecting to the monolith and service databases');
        break;
      case 'preflight':
        if (e.issues.length === 0) line('pre-flight: ok (wal_level, privileges, keys, slots)');
        else for (const i of e.issues) line(`pre-flight: ${i.problem} — fix: ${i.fix}`);
        break;
      case 'target-tables':
        if (e.created.length) line(`created service tables: ${e.created.join(', ')}`);
        if (e.existing.length) line(`service tables present and compatible: ${e.existing.join(', ')}`);
        for (const l of e.leftOut ?? []) line(`not carried over to ${l.table} (add them in the service's migrations if it needs them): ${l.items.join('; ')}`);
        break;
      case 'slot-created':
        line(`slot ${e.slot} created at ${e.consistentPoint} (snapshot ${e.snapshot}); backfilling`);
        break;
      case 'backfill-table':
        line(`backfilled ${e.table}: ${e.rows} rows in ${(e.ms / 1000).toFixed(1)} s`);
        break;
      case 'backfill-done':
        line(`backfill done: ${e.rows} rows in ${(e.ms / 1000).toFixed(1)} s`);
        break;
      case 'sequences':
        if (e.moved) line(`moved ${e.moved} service sequence(s) past the monolith's values`);
        break;
      case 'streaming':
        line(`streaming changes from slot ${e.slot} (resuming after ${e.from})`);
        break;
      case 'applied':
        rowsSince += e.rows;
        if (now() - lastSummary >= (options.summaryEveryMs ?? 5_000)) {
          line(`applied ${rowsSince} change(s) (total ${e.totalRows}), at ${e.position}, lag ${e.lagMs === null ? '-' : `${(e.lagMs / 1000).toFixed(2)} s`}`);
          lastSummary = now();
          rowsSince = 0;
        }
        break;
      case 'paused':
        line(`PAUSED: ${e.reason}; add the column(s) to the service table and sync resumes`);
        break;
      case 'new-table':
        line(`new table ${e.table} in the monolith database, not in contexts.${e.context}.tables: its rows are not synced — if the service owns it, add it there and run strangler sync teardown ${e.context} --yes, then start again`);
        break;
      case 'resumed':
        line(`resumed: ${e.table} matches again`);
        break;
      case 'retry':
        line(`retrying in ${(e.delayMs / 1000).toFixed(1)} s (attempt ${e.attempt}): ${e.reason}`);
        break;
      case 'conflicts':
        line(`conflict: ${e.count} change(s) to ${e.tables.join(', ')} not applied, the ${e.winner}'s rows win (see strangler_sync.conflicts in the ${e.winner} database)`);
        break;
      case 'stopping':
        line('stopping after the current batch');
        break;
      case 'stopped':
        line(`stopped; ${e.rowsApplied} change(s) applied in this run`);
        break;
    }
  };
}

export function renderSyncRun(r: SyncRunResult): string {
  return `sync ${r.context} stopped: ${r.backfilledRows} row(s) backfilled, ${r.rowsApplied} change(s) applied, last position ${r.lastPosition}\n`;
}

export function renderDetach(r: DetachResult): string {
  const what = r.reverse ? 'reverse sync' : 'sync';
  return `${what} ${r.domain} running in the background (pid ${r.pid}); log: ${r.logFile}\nstop it with: strangler sync stop ${r.domain}${r.reverse ? ' --reverse' : ''}\n`;
}

export function renderStop(r: SyncStopResult): string {
  const what = r.reverse ? 'reverse sync' : 'sync';
  return r.stopped
    ? `${what} ${r.domain} (pid ${r.pid}) stopped after ${(r.waitedMs / 1000).toFixed(1)} s\n`
    : `${what} ${r.domain} (pid ${r.pid}) did not stop within ${(r.waitedMs / 1000).toFixed(0)} s; it is still finishing its batch — check again, or kill ${r.pid}\n`;
}

export function renderTeardown(r: SyncTeardownResult): string {
  const lines = [
    `slot ${r.slot}: ${r.slotDropped ? 'dropped' : 'was not there'}`,
    `publication ${r.publication}: ${r.publicationDropped ? 'dropped' : 'was not there'}`,
    `sync state in the service database: ${r.targetStateCleared ? 'cleared' : 'not cleared'}`,
    ...r.warnings.map((w) => `warning: ${w}`),
    ...(r.reverse
      ? [
          `reverse slot and publication ${r.reverse.slot} (service database): ${r.reverse.slotDropped ? 'dropped' : 'was not there'}, ${r.reverse.publicationDropped ? 'dropped' : 'was not there'}`,
          `reverse sync state in the monolith database: ${r.reverse.targetStateCleared ? 'cleared' : 'not cleared'}`,
          ...r.reverse.warnings.map((w) => `warning: ${w}`),
        ]
      : []),
  ];
  return `${lines.join('\n')}\n`;
}

export function renderSyncStatus(r: SyncStatusResult, color: boolean): string {
  const c = painter(color);
  const rows = r.contexts.map((x) => [
    x.context,
    x.runningPid ? `running (pid ${x.runningPid})` : 'not running',
    x.target.phase ? `${x.target.phase}/${x.target.status}` : '-',
    x.source.slot?.exists ? (x.source.slot.active ? 'active' : 'inactive') : 'absent',
    bytes(x.source.slot?.lagBytes),
    x.lagSeconds === null ? '-' : `${x.lagSeconds.toFixed(2)} s`,
    bytes(x.source.slot?.retainedWalBytes),
    x.target.lastAppliedPosition ?? '-',
    x.target.rowsApplied ?? 0,
  ]);
  const lines = [table(['context', 'process', 'phase', 'slot', 'lag', 'lag time', 'retained WAL', 'last applied', 'rows applied'], rows).trimEnd()];
  for (const x of r.contexts) {
    if (x.target.message) lines.push(`${x.context}: ${x.target.message}`);
  }
  for (const w of r.warnings) lines.push(c.yellow(`warning: ${w}`));
  return `${lines.join('\n')}\n`;
}
