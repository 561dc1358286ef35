/**
 * `strangler sync start|status|stop|teardown <domain>`: options resolved from strangler.yaml and flags, then
 * handed to src/sync/. Process management (detach, pid file, stop) lives here; nothing is printed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load-config.ts';
import type { StranglerConfig } from '../config/schema.ts';
import { ConfigError, EnvironmentError, UsageError } from '../errors.ts';
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

/** A context's forward or reverse sync as a run: its pid/log name, how messages name it, the command that stops it. */
export interface SyncRun {
  name: string;
  what: string;
  stop: string;
}

export function syncRun(domain: string, reverse = false): SyncRun {
  return reverse
    ? { name: reverseRun(domain), what: `reverse sync ${domain}`, stop: `strangler sync stop ${domain} --reverse` }
    : { name: domain, what: `sync ${domain}`, stop: `strangler sync stop ${domain}` };
}

/** Refuses to start a run that another process is running. */
function refuseIfRunning(configDir: string, run: SyncRun): void {
  const other = runningPid(configDir, run.name);
  if (other && other !== process.pid) throw new UsageError(`${run.what} is already running (pid ${other})`, `stop it first: ${run.stop}`);
}

/** Pid and log files of a run: a context's forward sync (its name) or its reverse sync (reverseRun). */
export function runFiles(configDir: string, domain: string): { dir: string; pidFile: string; logFile: string } {
  const dir = path.join(configDir, '.strangler');
  return { dir, pidFile: path.join(dir, `sync-${domain}.pid`), logFile: path.join(dir, `sync-${domain}.log`) };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function runningPid(configDir: string, domain: string): number | undefined {
  const { pidFile } = runFiles(configDir, domain);
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
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
  return withPidFile(s.configDir, syncRun(s.domain), async () => {
    const { runSync } = await import('../sync/sync-engine.ts');
    const sink = s.via === 'kafka' ? (await import('../sync/kafka-transport.ts')).kafkaSinkFactory(s) : undefined;
    if (s.reverse && s.via === 'kafka') {
      throw new ConfigError(`contexts.${s.domain}.sync.reverse needs the direct forward sync (it tags what it applies)`, 'use --via direct, or set sync.reverse: false');
    }
    // two-way: tag what forward applies, drop what reverse applied, and check conflicts when the service wins
    const twoWay = s.reverse ? (await import('../sync/reverse-sync.ts')).forwardTwoWayOptions(s.domain, s.conflicts, options.onEvent) : {};
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
      via: s.via,
      sink,
      relayTables: s.via === 'kafka' && s.outbox ? [s.outbox.table] : undefined,
      maxRetries: options.maxRetries,
      signal: options.signal,
      onEvent: options.onEvent,
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

/** Starts `strangler sync start` again in the background (same arguments without --detach). */
export async function detachSyncStart(options: SyncCommonOptions & { argv: string[]; reverse?: boolean }): Promise<DetachResult> {
  const s = await resolveSyncSettings(options.reverse ? { ...options, via: 'direct' } : options);
  if (options.reverse) requireReverse(s, options.configFile);
  const run = syncRun(s.domain, options.reverse);
  const files = runFiles(s.configDir, run.name);
  refuseIfRunning(s.configDir, run);
  mkdirSync(files.dir, { recursive: true });
  rmSync(files.pidFile, { force: true });
  const log = openSync(files.logFile, 'a');
  const args = options.argv.slice(1).filter((a) => a !== '--detach');
  const child = spawn(process.execPath, [...process.execArgv, ...args], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, NO_COLOR: '1' },
  });
  child.unref();
  const pid = child.pid;
  if (!pid) throw new EnvironmentError(`could not start ${run.what} in the background`, `run it in the foreground to see why, or read ${files.logFile}`);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (runningPid(s.configDir, run.name) === pid) return { domain: s.domain, ...(options.reverse ? { reverse: true } : {}), pid, logFile: files.logFile, pidFile: files.pidFile };
    if (!isAlive(pid) || child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new EnvironmentError(`${run.what} exited right after starting in the background`, `see ${files.logFile}`);
}

/** Reverse sync needs contexts.<d>.sync.reverse: forward sync then tags what it applies, so nothing loops. */
export function requireReverse(s: SyncSettings, configFile: string): void {
  if (s.reverse) return;
  throw new ConfigError(
    `${configFile}: contexts.${s.domain}.sync.reverse is not true`,
    `set it (forward sync then tags what it applies, so nothing loops), restart strangler sync start ${s.domain}, then run sync reverse`,
  );
}

/** Runs `work` with a pid file for the run (refusing a second one), removed when it ends. */
export async function withPidFile<T>(configDir: string, run: SyncRun, work: () => Promise<T>): Promise<T> {
  const files = runFiles(configDir, run.name);
  refuseIfRunning(configDir, run);
  mkdirSync(files.dir, { recursive: true });
  writeFileSync(files.pidFile, `${process.pid}\n`);
  try {
    return await work();
  } finally {
    const pid = existsSync(files.pidFile) ? readFileSync(files.pidFile, 'utf8').trim() : '';
    if (pid === String(process.pid)) rmSync(files.pidFile, { force: true });
  }
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
  const pid = runningPid(dir, options.reverse ? reverseRun(options.domain) : options.domain);
  if (!pid) {
    throw options.reverse
      ? new UsageError(`no reverse sync is running for ${options.domain}`, `start one with strangler sync reverse ${options.domain} --detach`)
      : new UsageError(`no sync is running for ${options.domain}`, `start one with strangler sync start ${options.domain} --detach`);
  }
  const started = Date.now();
  const reverse = options.reverse ? { reverse: true } : {};
  process.kill(pid, 'SIGTERM');
  const deadline = started + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return { domain: options.domain, ...reverse, pid, stopped: true, waitedMs: Date.now() - started };
    await new Promise((r) => setTimeout(r, 100));
  }
  return { domain: options.domain, ...reverse, pid, stopped: false, waitedMs: Date.now() - started };
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
        runningPid: runningPid(dir, domain) ?? null,
      });
      // Two-way sync: the reverse direction reads the service's slot and keeps its position in the monolith.
      const slot = reverseSlotName(domain);
      const reverse = async () => ({
        ...(await readSyncStatus({ context: reverseContext(domain), sourceUrl: service, targetUrl: monolith, slot, publication: slot, warnRetainedBytes })),
        runningPid: runningPid(dir, reverseRun(domain)) ?? null,
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
  const pid = runningPid(s.configDir, s.domain);
  if (pid) throw new UsageError(`sync ${s.domain} is running (pid ${pid})`, `stop it first: strangler sync stop ${s.domain}`);
  const reversePid = runningPid(s.configDir, reverseRun(s.domain));
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
