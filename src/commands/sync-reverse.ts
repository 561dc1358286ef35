/**
 * `strangler sync reverse <domain>`: service -> monolith during the dual-write phase (foreground, or detached by
 * the CLI with its own pid file; SIGTERM or Ctrl-C stops it after its current batch). Options come from strangler.yaml; nothing is printed here.
 */
import type { SyncEvent } from '../sync/sync-events.ts';
import type { SyncRunResult } from '../sync/sync-engine.ts';
import { withRun } from '../process/background-run.ts';
import { readyOnEvent, requireReverse, resolveSyncSettings, syncRun, type SyncCommonOptions } from './sync.ts';

export interface SyncReverseOptions extends SyncCommonOptions {
  batchSize?: number;
  maxRetries?: number;
  onEvent?: (e: SyncEvent) => void;
  signal?: AbortSignal;
}

export async function runSyncReverse(options: SyncReverseOptions): Promise<SyncRunResult & { direction: 'reverse'; conflicts: string }> {
  const s = await resolveSyncSettings({ ...options, via: 'direct' });
  requireReverse(s, options.configFile);
  return withRun(s.configDir, syncRun(s.domain, true), async (ready) => {
    const { runReverseSync } = await import('../sync/reverse-sync.ts');
    const result = await runReverseSync({
      domain: s.domain,
      monolithUrl: s.sourceUrl,
      serviceUrl: s.targetUrl,
      tables: s.tables,
      serviceSchema: s.targetSchema,
      conflicts: s.conflicts,
      batchSize: options.batchSize ?? s.batchSize,
      lingerMs: s.lingerMs,
      maxRetries: options.maxRetries,
      signal: options.signal,
      onEvent: readyOnEvent(ready, options.onEvent),
    });
    return { ...result, direction: 'reverse' as const, conflicts: s.conflicts };
  });
}
