/** `strangler verify-parity <domain>`: data parity and API parity between the monolith and a context's service. */
import { existsSync } from 'node:fs';
import { readCorpus, type ApiRequest } from '../parity/api-corpus.ts';
import { compareApis, type ApiParityResult } from '../parity/api-parity.ts';
import { compareTables, type DataParityResult } from '../parity/data-parity.ts';
import { generateRequests } from '../parity/generate-requests.ts';
import { waitForSync, type WaitSyncResult } from '../parity/wait-sync.ts';
import { loadConfig } from '../config/load-config.ts';
import type { ContextConfig, StranglerConfig } from '../config/schema.ts';
import { ConfigError, UsageError } from '../errors.ts';
import { toStoredParity, writeParityResult } from '../status/parity-store.ts';

export interface VerifyParityOptions {
  domain: string;
  configFile: string;
  /** --config given explicitly (then a missing file is an error even when flags would do). */
  configExplicit?: boolean;
  source?: string;
  target?: string;
  tables?: string[];
  data?: boolean;
  api?: boolean;
  monolithUrl?: string;
  serviceUrl?: string;
  corpus?: string;
  minAgeSeconds?: number;
  /** Wait up to N seconds for the sync to apply the source's current WAL position first. */
  waitSyncSeconds?: number;
  floatTolerance?: number;
  failOn?: string;
  allowWrites?: boolean;
  fullRow?: boolean;
  requestsPerRoute?: number;
}

export interface Thresholds {
  data: number;
  api: number;
  noisyEndpointsPercent: number;
}

export interface VerifyParityResult {
  domain: string;
  data?: DataParityResult;
  api?: ApiParityResult;
  waitSync?: WaitSyncResult;
  thresholds: Thresholds;
  /** Why the check fails; empty when it passes. */
  failures: string[];
  pass: boolean;
  warnings: string[];
  /** Where the result was stored for `route shift` and `status` (only when a strangler.yaml was read). */
  storedAt?: string;
}

/** `data=0,api=0,noisy-endpoints=10%` */
export function parseFailOn(spec: string, defaults: Thresholds): Thresholds {
  const out = { ...defaults };
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(data|api|noisy-endpoints)=(\d+(?:\.\d+)?)(%?)$/.exec(part);
    if (!m) throw new UsageError(`--fail-on: cannot read "${part}"`, 'use e.g. data=0,api=0,noisy-endpoints=10%');
    const value = Number(m[2]);
    if (m[1] === 'noisy-endpoints') out.noisyEndpointsPercent = value;
    else if (m[3]) throw new UsageError(`--fail-on: ${m[1]} takes a count, not a percentage`, 'use e.g. data=0');
    else out[m[1] as 'data' | 'api'] = value;
  }
  return out;
}

async function contextOf(options: VerifyParityOptions): Promise<{ config?: StranglerConfig; context?: ContextConfig; dir?: string }> {
  const dataByFlags = options.data === false || Boolean(options.source && options.target && options.tables);
  const apiByFlags = !options.api || Boolean(options.monolithUrl && options.serviceUrl && options.corpus);
  const needsConfig = options.configExplicit || existsSync(options.configFile) || !(dataByFlags && apiByFlags);
  if (!needsConfig) return {};
  const { config, dir } = await loadConfig(options.configFile);
  const context = config.contexts[options.domain];
  if (!context) {
    const known = Object.keys(config.contexts);
    throw new ConfigError(
      `${options.configFile}: no context "${options.domain}"`,
      known.length ? `known contexts: ${known.join(', ')}` : 'add it under contexts: (or run strangler analyze)',
    );
  }
  return { config, context, dir };
}

export async function runVerifyParity(options: VerifyParityOptions): Promise<VerifyParityResult> {
  const { config, context, dir } = await contextOf(options);
  const parity = context?.parity;
  const thresholds = parseFailOn(options.failOn ?? '', {
    data: parity?.failOn.dataDifferences ?? 0,
    api: parity?.failOn.apiDifferences ?? 0,
    noisyEndpointsPercent: parity?.failOn.noisyEndpointsPercent ?? 100,
  });
  const source = options.source ?? config?.monolith.database;
  const target = options.target ?? context?.service.database;
  const result: VerifyParityResult = { domain: options.domain, thresholds, failures: [], pass: true, warnings: [] };
  const runData = options.data !== false;
  const runApi = Boolean(options.api);
  if (!runData && !runApi) throw new UsageError('nothing to verify: --no-data without --api', 'drop --no-data or add --api');

  if (runData) {
    if (!source) throw new ConfigError('no monolith database', 'set monolith.database in strangler.yaml or pass --source <url>');
    if (!target) throw new ConfigError(`no service database for ${options.domain}`, `set contexts.${options.domain}.service.database or pass --target <url>`);
    const tables = options.tables ?? context?.tables ?? [];
    if (options.waitSyncSeconds !== undefined) {
      result.waitSync = await waitForSync({ source, target, context: options.domain, slot: context?.sync.slot, timeoutSeconds: options.waitSyncSeconds });
      result.warnings.push(...result.waitSync.warnings);
    }
    result.data = await compareTables({
      source,
      target,
      tables,
      context: options.tables ? undefined : options.domain,
      targetSchema: context?.service.schema,
      columnMap: parity?.columnMap,
      floatTolerance: options.floatTolerance ?? parity?.floatTolerance,
      minAgeSeconds: options.minAgeSeconds ?? parity?.minAgeSeconds,
      updatedAtColumn: parity?.updatedAtColumn,
      fullRow: options.fullRow,
    });
    for (const t of result.data.tables) result.warnings.push(...t.warnings);
    const differences = result.data.totals.missing + result.data.totals.extra + result.data.totals.changed;
    if (differences > thresholds.data) {
      result.failures.push(`${differences} data difference(s) in ${result.data.totals.tablesWithDifferences} table(s) (allowed: ${thresholds.data})`);
    }
  }

  if (runApi) {
    const monolithUrl = options.monolithUrl ?? config?.monolith.url;
    const serviceUrl = options.serviceUrl ?? context?.service.url;
    if (!monolithUrl) throw new ConfigError('no monolith URL for API parity', 'set monolith.url or pass --monolith-url');
    if (!serviceUrl) throw new ConfigError(`no service URL for ${options.domain}`, `set contexts.${options.domain}.service.url or pass --service-url`);
    let requests: ApiRequest[];
    if (options.corpus) {
      requests = await readCorpus(options.corpus);
    } else {
      const generated = await generateRequests({
        sourceUrl: source,
        routes: context?.routes ?? [],
        perRoute: options.requestsPerRoute,
        allowWrites: options.allowWrites,
      });
      requests = generated.requests;
      result.warnings.push(...generated.warnings);
    }
    result.api = await compareApis({
      monolithUrl,
      serviceUrl,
      requests,
      ignorePaths: parity?.ignorePaths,
      headers: parity?.headers,
      allowWrites: options.allowWrites,
      floatTolerance: options.floatTolerance ?? parity?.floatTolerance,
    });
    if (result.api.skippedUnsafe > 0) result.warnings.push(`${result.api.skippedUnsafe} unsafe request(s) not replayed (pass --allow-writes for disposable databases)`);
    const { differingEndpoints, noisyEndpoints, endpoints } = result.api.totals;
    if (differingEndpoints > thresholds.api) {
      result.failures.push(`${differingEndpoints} endpoint(s) answer differently (allowed: ${thresholds.api})`);
    }
    const noisyPercent = endpoints ? (100 * noisyEndpoints) / endpoints : 0;
    if (noisyPercent > thresholds.noisyEndpointsPercent) {
      result.failures.push(`${noisyPercent.toFixed(1)}% of endpoints are noisy (allowed: ${thresholds.noisyEndpointsPercent}%)`);
    }
  }
  result.pass = result.failures.length === 0;
  if (dir) result.storedAt = await writeParityResult(dir, toStoredParity(result, new Date()));
  return result;
}
