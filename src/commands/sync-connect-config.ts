/**
 * `strangler sync connect-config <domain>`: writes the Kafka Connect configurations equivalent to
 * `sync --via kafka` (Debezium PostgreSQL source, Debezium JDBC sink, outbox router) under services/<domain>/deploy/.
 */
import path from 'node:path';
import { loadConfig } from '../config/load-config.ts';
import { ConfigError } from '../errors.ts';
import { CONNECT_DIR, connectorFiles, debeziumConnectors, postgresEndpoint } from '../generators/debezium-connectors.ts';
import { writeFilePlan } from '../generators/file-plan/apply-plan.ts';
import type { FilePlan } from '../generators/file-plan/file-plan.ts';
import { resolveSyncSettings } from './sync.ts';

export interface ConnectConfigOptions {
  domain: string;
  configFile: string;
  configExplicit?: boolean;
  source?: string;
  target?: string;
  /** Directory the services/ tree is written under (default: next to strangler.yaml). */
  outDir?: string;
  /** Compute only, write nothing. */
  dryRun?: boolean;
  /** Overwrite files edited since they were generated. */
  force?: boolean;
}

export interface ConnectConfigResult {
  domain: string;
  files: { path: string; name: string; connectorClass: string }[];
  written: boolean;
  notes: string[];
  plan: FilePlan;
}

export async function runSyncConnectConfig(options: ConnectConfigOptions): Promise<ConnectConfigResult> {
  // Kafka Connect knows its brokers: strangler.yaml need not name them here
  const s = await resolveSyncSettings({ ...options, via: 'kafka' }, { target: true, brokers: false });
  const endpoint = (url: string, where: string) => {
    try {
      return postgresEndpoint(url);
    } catch {
      throw new ConfigError(`${options.configFile}: ${where} is not a valid PostgreSQL URL`, 'use postgres://user@host:port/database');
    }
  };
  const plan = debeziumConnectors({
    domain: s.domain,
    monolith: endpoint(s.sourceUrl, 'monolith.database'),
    service: { ...endpoint(s.targetUrl, `contexts.${s.domain}.service.database`), schema: s.targetSchema },
    tables: s.tables,
    slot: s.slot,
    publication: s.publication,
    topicPrefix: s.topicPrefix,
    outbox: s.outbox,
  });
  const root = await serviceRoot(options, s.configDir);
  const files = await writeFilePlan(root, connectorFiles(plan), { force: Boolean(options.force), dryRun: Boolean(options.dryRun) });
  return {
    domain: s.domain,
    files: plan.files.map((f) => ({ path: path.join(root, f.path.slice(f.path.indexOf(CONNECT_DIR))), name: f.connector.name, connectorClass: f.connector.config['connector.class']! })),
    written: !options.dryRun,
    notes: plan.notes,
    plan: files,
  };
}

/** The service's folder: under --out, else contexts.<d>.service.path, else services/<d> next to strangler.yaml. */
async function serviceRoot(options: ConnectConfigOptions, configDir: string): Promise<string> {
  if (options.outDir) return path.resolve(options.outDir, 'services', options.domain);
  const { config } = await loadConfig(options.configFile);
  return path.resolve(configDir, config.contexts[options.domain]?.service.path ?? path.join('services', options.domain));
}
