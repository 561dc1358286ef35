/**
 * `strangler sync connect-config <domain>`: writes the Kafka Connect configurations equivalent to
 * `sync --via kafka` (Debezium PostgreSQL source, Debezium JDBC sink, outbox router) under services/<domain>/deploy/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { debeziumConnectors, postgresEndpoint, renderConnector } from '../generators/debezium-connectors.ts';
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
}

export interface ConnectConfigResult {
  domain: string;
  files: { path: string; name: string; connectorClass: string }[];
  written: boolean;
  notes: string[];
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
  const base = path.resolve(options.outDir ?? s.configDir);
  if (!options.dryRun) {
    for (const f of plan.files) {
      const file = path.join(base, f.path);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, renderConnector(f.connector));
    }
  }
  return {
    domain: s.domain,
    files: plan.files.map((f) => ({ path: path.join(base, f.path), name: f.connector.name, connectorClass: f.connector.config['connector.class']! })),
    written: !options.dryRun,
    notes: plan.notes,
  };
}
