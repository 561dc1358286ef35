/** Step 9: `strangler sync start` in the background of the demo (in-process), until it streams the monolith's changes. */
import { runSyncStart, runSyncTeardown } from '../../commands/sync.ts';
import type { SyncEvent } from '../../sync/sync-events.ts';
import { untilInterrupted } from '../demo-context.ts';
import type { DemoStep } from './step.ts';

function describeEvent(e: SyncEvent): string | undefined {
  switch (e.type) {
    case 'backfill-table':
      return `backfilled ${e.table}: ${e.rows} rows`;
    case 'applied':
      return `streaming: ${e.totalRows} changes applied${e.lagMs === null ? '' : `, lag ${e.lagMs} ms`}`;
    case 'retry':
      return `retrying in ${e.delayMs} ms: ${e.reason}`;
    default:
      return undefined;
  }
}

/** Resolves on the first `streaming` event; rejects when the sync ends (or fails) before it. */
function untilStreaming(run: Promise<unknown>, onEvent: (listener: (e: SyncEvent) => void) => void): Promise<SyncEvent & { type: 'streaming' }> {
  return new Promise((resolve, reject) => {
    onEvent((e) => e.type === 'streaming' && resolve(e));
    run.then(() => reject(new Error('the sync stopped before it streamed')), reject);
  });
}

export const syncStep: DemoStep = {
  id: 'sync',
  title: 'strangler sync start',
  why: (ctx) =>
    ctx.state.kafkaBrokers
      ? 'Backfills the service tables from a consistent snapshot, then streams every committed change from a logical replication slot through Kafka into the service database, while the shop keeps writing.'
      : 'Backfills the service tables from a consistent snapshot, then streams every committed change from a logical replication slot straight into the service database, while the shop keeps writing.',
  async run(ctx) {
    const domain = ctx.options.context;
    const controller = new AbortController();
    const listeners: ((e: SyncEvent) => void)[] = [];
    let backfilled = 0;
    const onEvent = (e: SyncEvent) => {
      if (e.type === 'backfill-done') backfilled = e.rows;
      const text = describeEvent(e);
      if (text) ctx.emit({ type: 'progress', id: 'sync', text });
      for (const l of listeners) l(e);
    };
    const run = runSyncStart({ domain, configFile: ctx.configFile, signal: controller.signal, onEvent });
    run.catch(() => {}); // awaited below and at cleanup
    ctx.registry.add({ kind: 'sync', what: `sync ${domain} and its replication slot and publication` }, async () => {
      controller.abort();
      await run.catch(() => {});
      await runSyncTeardown({ domain, configFile: ctx.configFile, confirmed: true });
    });
    const streaming = await untilInterrupted(untilStreaming(run, (l) => listeners.push(l)), ctx.signal);
    return `${backfilled.toLocaleString('en-US')} rows backfilled; streaming from slot ${streaming.slot}${ctx.state.kafkaBrokers ? ' through Kafka' : ''}`;
  },
};


