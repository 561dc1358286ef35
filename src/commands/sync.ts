/**
 * `strangler sync start|status|stop|teardown <domain>`: options resolved from strangler.yaml and flags, then
 * handed to src/sync/. Background runs (detach, pid file, liveness, stop) go through src/process/; nothing is printed.
 */
import { loadConfig } from '../config/load-config.ts';
import type { StranglerConfig } from '../config/schema.ts';
import { ConfigError, UsageError } from '../errors.ts';
import { detachRun, runningPid, stopRun, withRun, type BackgroundRun } from '../process/background-run.ts';
import type { SyncEvent } from '../sync/sync-events.ts';
import type { SyncRunResult } from '../sync/sync-engine.ts';
import type { ContextSyncStatus } from '../sync/sync-status.ts';
import type { TeardownResult } from '../sync/teardown.ts';

export interface SyncCommonOptions {
  domain: string;
  configFile: string;
  configExplicit?: boolean;
  source?: string;
  target?: string;
  via?: string;
}

export interface SyncSettings {
  domain: string;
  configDir: string;
  sourceUrl: string;
  targetUrl: string;
  tables: string[];
  targetSchema: string;
  slot: string;
  publication: string;
  batchSize: number;
  lingerMs: number;
  catalogCheckSeconds: number;
  via: 'direct' | 'kafka';
  topicPrefix: string;
  kafka?: { brokers: string[]; clientId: string };
  /** Kafka mode: the outbox table relayed as domain events. */
  outbox?: { table: string; topicPrefix?: string };
  /** Two-way sync (contexts.<d>.sync.reverse) and its conflict policy. */
  reverse: boolean;
  conflicts: 'monolith-wins' | 'service-wins';
}

export function defaultName(domain: string): string {
  return `strangler_${domain.replace(/[^a-z0-9_]/g, '_')}`;
}

export async function resolveSyncSettings(o: SyncCommonOptions, need: { target: boolean; brokers?: boolean } = { target: true }): Promise<SyncSettings> {
  const { config, dir } = await loadConfig(o.configFile);
  const context = contextOf(config, o.domain, o.configFile);
  const sourceUrl = o.source ?? config.monolith.database;
  if (!sourceUrl) throw new ConfigError(`${o.configFile}: monolith.database is not set`, 'set it, or pass --source <url>');
  const targetUrl = o.target ?? context.service.database;
  if (!targetUrl && need.target) {
    throw new ConfigError(`${o.configFile}: contexts.${o.domain}.service.database is not set`, 'set it, or pass --target <url>');
  }
  if (context.tables.length === 0) throw new ConfigError(`${o.configFile}: contexts.${o.domain}.tables is empty`, 'list the tables this context owns');
  const via = (o.via ?? context.sync.via) as string;
  if (via !== 'direct' && via !== 'kafka') throw new UsageError(`--via: expected direct or kafka, got "${via}"`, 'use --via direct or --via kafka');
  if (via === 'kafka' && !config.kafka && need.brokers !== false) throw new ConfigError(`${o.configFile}: kafka.brokers is not set but sync runs via kafka`, 'add kafka: { brokers: [host:port] }');
  if (via !== 'kafka' && context.sync.outbox) {
    throw new ConfigError(`${o.configFile}: contexts.${o.domain}.sync.outbox relays domain events to Kafka, but this sync runs via ${via}`, 'use --via kafka (or sync.via: kafka), or remove sync.outbox');
  }
  return {
    domain: o.domain,
    configDir: dir,
    sourceUrl,
    targetUrl: targetUrl ?? '',
    tables: context.tables,
    targetSchema: context.service.schema,
    slot: context.sync.slot ?? defaultName(o.domain),
    publication: context.sync.publication ?? defaultName(o.domain),
    batchSize: context.sync.batchSize,
    lingerMs: context.sync.lingerMs,
    catalogCheckSeconds: context.sync.catalogCheckSeconds,
    via,
    topicPrefix: context.sync.topicPrefix ?? `strangler.${o.domain}`,
    kafka: config.kafka ? { brokers: config.kafka.brokers, clientId: config.kafka.clientId } : undefined,
    outbox: context.sync.outbox ? { table: context.sync.outbox, topicPrefix: context.sync.outboxTopicPrefix } : undefined,
    reverse: context.sync.reverse,
    conflicts: context.sync.conflicts,
  };
}

function contextOf(config: StranglerConfig, domain: string, file: string) {
  const context = config.contexts[domain];
  if (!context) {
    const known = Object.keys(config.contexts);
    throw new ConfigError(`${file}: no context "${domain}"`, known.length ? `known contexts: ${known.join(', ')}` : 'add it under contexts:');
  }
  return context;
}

/** The run name of a context's reverse sync, for its pid and log files (a dot cannot appear in a context name). */
export function reverseRun(domain: string): string {
  return `${domain}.reverse`;
}

/** A context's forward or reverse sync as a background run (src/process/background-run.ts). */
export type SyncRun = BackgroundRun;

export function syncRun(domain: string, reverse = false): SyncRun {
  return reverse
    ? { id: `sync-${reverseRun(domain)}`, what: `reverse sync ${domain}`, stop: `strangler sync stop ${domain} --reverse`, start: `strangler sync reverse ${domain} --detach` }
    : { id: `sync-${domain}`, what: `sync ${domain}`, stop: `strangler sync stop ${domain}`, start: `strangler sync start ${domain} --detach` };
}

/** The pid of the live forward (or reverse) sync of a context, or undefined. */
export function syncRunningPid(configDir: string, domain: string, reverse = false): Promise<number | undefined> {
  return runningPid(configDir, syncRun(domain, reverse));
}

/** The sync reports itself ready to a waiting `--detach` once it has connected and started its work. */
const readyEvents = new Set<SyncEvent['type']>(['target-tables', 'slot-created', 'backfill-table', 'streaming', 'applied']);
export function readyOnEvent(ready: () => void, onEvent?: (e: SyncEvent) => void): (e: SyncEvent) => void {
  return (e) => {
    if (readyEvents.has(e.type)) ready();
    onEvent?.(e);
  };
}

// ---- start ----

export interface SyncStartOptions extends SyncCommonOptions {
  batchSize?: number;
  maxRetries?: number;
  onEvent?: (e: SyncEvent) => void;
  signal?: AbortSignal;
}

export async function runSyncStart(options: SyncStartOptions): Promise<SyncRunResult & { via: string }> {
  const s = await resolveSyncSettings(options);
  return withRun(s.configDir, syncRun(s.domain), async (ready) => {
    const { runSync } = await import('../sync/sync-engine.ts');
    const sink = s.via === 'kafka' ? (await import('../sync/kafka-transport.ts')).kafkaSinkFactory(s) : undefined;
    if (s.reverse && s.via === 'kafka') {
      throw new ConfigError(`contexts.${s.domain}.sync.reverse needs the direct forward sync (it tags what it applies)`, 'use --via direct, or set sync.reverse: false');
    }
    // two-way: tag what forward applies, drop what reverse applied, and check conflicts when the service wins
    const onEvent = readyOnEvent(ready, options.onEvent);
    const twoWay = s.reverse ? (await import('../sync/reverse-sync.ts')).forwardTwoWayOptions(s.domain, s.conflicts, onEvent) : {};
    const result = await runSync({
      context: s.domain,
      sourceUrl: s.sourceUrl,
      targetUrl: s.targetUrl,
      tables: s.tables,
      targetSchema: s.targetSchema,
      slot: s.slot,
      publication: s.publication,
      batchSize: options.batchSize ?? s.batchSize,
      lingerMs: s.lingerMs,
      sequenceSyncMs: s.catalogCheckSeconds * 1000,
      via: s.via,
      sink,
      relayTables: s.via === 'kafka' && s.outbox ? [s.outbox.table] : undefined,
      maxRetries: options.maxRetries,
      signal: options.signal,
      onEvent,
      ...twoWay,
    });
    return { ...result, via: s.via };
  });
}

export interface DetachResult {
  domain: string;
  /** The reverse sync (service -> monolith) rather than the forward one. */
  reverse?: boolean;
  pid: number;
  logFile: string;
  pidFile: string;
}

/** Starts `strangler sync start` (or `sync reverse`) again in the background: same arguments without --detach. */
export async function detachSyncStart(options: SyncCommonOptions & { argv: string[]; reverse?: boolean; readyTimeoutMs?: number }): Promise<DetachResult> {
  const s = await resolveSyncSettings(options.reverse ? { ...options, via: 'direct' } : options);
  if (options.reverse) requireReverse(s, options.configFile);
  const args = options.argv.slice(1).filter((a) => a !== '--detach');
  const r = await detachRun({ configDir: s.configDir, run: syncRun(s.domain, options.reverse), args, readyTimeoutMs: options.readyTimeoutMs });
  return { domain: s.domain, ...(options.reverse ? { reverse: true } : {}), pid: r.pid, logFile: r.logFile, pidFile: r.pidFile };
}

/** Reverse sync needs contexts.<d>.sync.reverse: forward sync then tags what it applies, so nothing loops. */
export function requireReverse(s: SyncSettings, configFile: string): void {
  if (s.reverse) return;
  throw new ConfigError(
    `${configFile}: contexts.${s.domain}.sync.reverse is not true`,
    `set it (forward sync then tags what it applies, so nothing loops), restart strangler sync start ${s.domain}, then run sync reverse`,
  );
}

// ---- stop ----

export interface SyncStopResult {
  domain: string;
  reverse?: boolean;
  pid: number;
  stopped: boolean;
  waitedMs: number;
}

export async function runSyncStop(options: SyncCommonOptions & { timeoutMs?: number; reverse?: boolean }): Promise<SyncStopResult> {
  const { dir } = await loadConfig(options.configFile);
  const run = syncRun(options.domain, options.reverse);
  if (!(await runningPid(dir, run))) {
    throw options.reverse
      ? new UsageError(`no reverse sync is running for ${options.domain}`, `start one with strangler sync reverse ${options.domain} --detach`)
      : new UsageError(`no sync is running for ${options.domain}`, `start one with strangler sync start ${options.domain} --detach`);
  }
  const r = await stopRun(dir, run, options.timeoutMs);
  return { domain: options.domain, ...(options.reverse ? { reverse: true } : {}), ...r };
}

// ---- status ----

export interface SyncStatusOptions {
  domain?: string;
  configFile: string;
  source?: string;
  target?: string;
  warnRetainedMb?: number;
}

export interface SyncStatusResult {
  contexts: (ContextSyncStatus & { runningPid: number | null })[];
  warnings: string[];
}

/**
 * Reads the status every `intervalMs` until the signal aborts, handing each result (or the error that prevented
 * it: a database down for a moment does not end the watch) to `onResult`.
 */
export async function watchSyncStatus(
  options: SyncStatusOptions,
  intervalMs: number,
  signal: AbortSignal,
  onResult: (r: SyncStatusResult | Error) => void,
): Promise<void> {
  while (!signal.aborted) {
    try {
      onResult(await runSyncStatus(options));
    } catch (e) {
      if (e instanceof ConfigError || e instanceof UsageError) throw e;
      onResult(e as Error);
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, intervalMs);
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

export async function runSyncStatus(options: SyncStatusOptions): Promise<SyncStatusResult> {
  const { config, dir } = await loadConfig(options.configFile);
  const domains = options.domain ? [options.domain] : Object.keys(config.contexts).filter((d) => config.contexts[d]!.tables.length > 0);
  if (options.domain) contextOf(config, options.domain, options.configFile);
  const { readSyncStatus } = await import('../sync/sync-status.ts');
  const { reverseContext, reverseSlotName } = await import('../sync/reverse-sync.ts');
  const warnRetainedBytes = (options.warnRetainedMb ?? 1024) * 1048576;
  const contexts = await Promise.all(
    domains.flatMap((domain) => {
      const c = config.contexts[domain]!;
      const monolith = options.source ?? config.monolith.database;
      const service = options.target ?? c.service.database;
      const forward = async () => ({
        ...(await readSyncStatus({ context: domain, sourceUrl: monolith, targetUrl: service, slot: c.sync.slot ?? defaultName(domain), publication: c.sync.publication ?? defaultName(domain), warnRetainedBytes })),
        runningPid: (await syncRunningPid(dir, domain)) ?? null,
      });
      // Two-way sync: the reverse direction reads the service's slot and keeps its position in the monolith.
      const slot = reverseSlotName(domain);
      const reverse = async () => ({
        ...(await readSyncStatus({ context: reverseContext(domain), sourceUrl: service, targetUrl: monolith, slot, publication: slot, warnRetainedBytes })),
        runningPid: (await syncRunningPid(dir, domain, true)) ?? null,
      });
      return c.sync.reverse ? [forward(), reverse()] : [forward()];
    }),
  );
  return { contexts, warnings: contexts.flatMap((c) => c.warnings.map((w) => `${c.context}: ${w}`)) };
}

// ---- teardown ----

export interface SyncTeardownOptions extends SyncCommonOptions {
  confirmed: boolean;
}

export type SyncTeardownResult = TeardownResult & {
  domain: string;
  slot: string;
  publication: string;
  /** Two-way sync: the reverse direction's slot and publication on the service database, and its state in the monolith. */
  reverse?: TeardownResult & { slot: string };
};

export async function runSyncTeardown(options: SyncTeardownOptions): Promise<SyncTeardownResult> {
  if (!options.confirmed) throw new UsageError(`sync teardown ${options.domain} needs confirmation`, 'pass --yes');
  const s = await resolveSyncSettings(options, { target: false });
  const pid = await syncRunningPid(s.configDir, s.domain);
  if (pid) throw new UsageError(`sync ${s.domain} is running (pid ${pid})`, `stop it first: strangler sync stop ${s.domain}`);
  const reversePid = await syncRunningPid(s.configDir, s.domain, true);
  if (reversePid) throw new UsageError(`reverse sync ${s.domain} is running (pid ${reversePid})`, `stop it first: strangler sync stop ${s.domain} --reverse`);
  const { teardownSync } = await import('../sync/teardown.ts');
  const r = await teardownSync({ context: s.domain, sourceUrl: s.sourceUrl, targetUrl: s.targetUrl || undefined, slot: s.slot, publication: s.publication });
  let reverse: SyncTeardownResult['reverse'];
  if (s.reverse && s.targetUrl) {
    const { reverseContext, reverseSlotName } = await import('../sync/reverse-sync.ts');
    const slot = reverseSlotName(s.domain);
    const back = await teardownSync({ context: reverseContext(s.domain), sourceUrl: s.targetUrl, targetUrl: s.sourceUrl, slot, publication: slot, roles: { source: 'service', target: 'monolith' } });
    reverse = { ...back, slot };
  }
  return { ...r, domain: s.domain, slot: s.slot, publication: s.publication, ...(reverse ? { reverse } : {}) };
}
