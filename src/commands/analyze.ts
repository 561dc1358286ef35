/** `strangler analyze`: propose bounded contexts from SQL traffic, code, schema (and score a hand-edited partition). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assembleAnalysis } from '../analyzers/analysis/assemble-analysis.ts';
import type { AnalyzeResult } from '../analyzers/analysis/analyze-result.ts';

export type { AnalyzeResult };
import { proposePartition, type Proposal } from '../analyzers/cluster/propose-partition.ts';
import { scanCode } from '../analyzers/code/scan-code.ts';
import { keepKnownTables } from '../analyzers/code/known-tables.ts';
import { buildCouplingGraph, DEFAULT_WEIGHTS, nodeId, type CouplingGraph } from '../analyzers/graph/coupling-graph.ts';
import { summarizeTraffic } from '../analyzers/logs/summarize-traffic.ts';
import { summarizeTraces } from '../analyzers/traces/summarize-traces.ts';
import { mergeTraffic } from '../analyzers/traces/traffic-builder.ts';
import { comparePartitions } from '../analyzers/metrics/compare-partitions.ts';
import { readPartition } from '../analyzers/partition/read-partition.ts';
import { readSchemaDump } from '../analyzers/schema/read-schema-dump.ts';
import { readGitHistory } from '../analyzers/history/read-git-history.ts';
import type { CodeModel, HistoryModel, LogFormat, Partition, SchemaModel, TrafficSummary } from '../analyzers/types.ts';
import { loadConfig } from '../config/load-config.ts';
import { analysisSchema, type EvidenceKind } from '../config/schema.ts';
import { UsageError } from '../errors.ts';
import { expandGlobs } from '../analyzers/logs/expand-globs.ts';

export interface AnalyzeOptions {
  configFile: string;
  configExplicit?: boolean;
  logs?: string[];
  logFormat?: 'auto' | LogFormat;
  logLinePrefix?: string;
  /** Trace exports (OTLP/JSON lines, Jaeger JSON): files or globs. */
  traces?: string[];
  code?: string;
  schema?: string;
  /** A live database to read the schema from (instead of a pg_dump file). */
  database?: string;
  /** Git repository for co-change coupling; `true`: the code folder (or the current one). */
  git?: string | boolean;
  compare?: string;
  evaluate?: string;
  contexts?: number;
  resolution?: number;
  seed?: number;
  /** Use no logs / no code even if configured (for comparisons of signals). */
  noLogs?: boolean;
  noCode?: boolean;
  noTraces?: boolean;
  onProgress?: (message: string) => void;
}


const here = path.dirname(fileURLToPath(import.meta.url));
export const SAMPLE_ROOT = path.resolve(here, '../../fixtures/sample-monolith');
export const SAMPLE_LOG_PREFIX = '%m [%p] %q%u@%d/%a %c %x ';

interface Plan {
  source: AnalyzeResult['inputs']['source'];
  logs: string[];
  logFormat: 'auto' | LogFormat;
  logLinePrefix?: string;
  traces: string[];
  code?: string;
  codeInclude?: string[];
  schema?: string;
  database?: string;
  /** The database is monolith.database from strangler.yaml (no schemaFile): unreachable, it is only a warning. */
  databaseOptional?: boolean;
  git?: string;
  compare?: string;
  weights: Record<EvidenceKind, number>;
  resolution: number;
  seed: number;
  contexts?: number;
  pins: Record<string, string>;
}

async function plan(options: AnalyzeOptions): Promise<Plan> {
  if (options.schema && options.database) throw new UsageError('--schema and --database both give the schema', 'pass one of them');
  const flagged = Boolean(options.logs?.length || options.traces?.length || options.code || options.schema || options.database);
  const hasConfig = options.configExplicit || existsSync(options.configFile);
  let p: Plan;
  if (hasConfig) {
    const { config, dir } = await loadConfig(options.configFile);
    const rel = (f?: string) => (f ? path.resolve(dir, f) : undefined);
    p = {
      source: flagged ? 'flags' : 'strangler.yaml',
      logs: config.monolith.logs.map((l) => path.resolve(dir, l)),
      logFormat: config.monolith.logFormat,
      logLinePrefix: config.monolith.logLinePrefix,
      traces: config.monolith.traces.map((t) => path.resolve(dir, t)),
      code: rel(config.monolith.source),
      schema: rel(config.monolith.schemaFile),
      ...(!config.monolith.schemaFile && config.monolith.database ? { database: config.monolith.database, databaseOptional: true } : {}),
      git: rel(config.monolith.git),
      weights: { ...DEFAULT_WEIGHTS, ...config.analysis.weights },
      resolution: config.analysis.resolution,
      seed: config.analysis.seed,
      contexts: config.analysis.contexts,
      pins: config.analysis.pins,
    };
  } else if (flagged) {
    const defaults = analysisSchema.parse({});
    p = { source: 'flags', logs: [], logFormat: 'auto', traces: [], weights: DEFAULT_WEIGHTS, resolution: defaults.resolution, seed: defaults.seed, pins: {} };
  } else {
    const defaults = analysisSchema.parse({});
    p = {
      source: 'bundled sample',
      logs: [path.join(SAMPLE_ROOT, 'logs/comments-on/postgresql.csv.gz')],
      logFormat: 'auto',
      logLinePrefix: SAMPLE_LOG_PREFIX,
      traces: [],
      code: SAMPLE_ROOT,
      codeInclude: ['src'],
      schema: path.join(SAMPLE_ROOT, 'schema.sql'),
      compare: path.join(SAMPLE_ROOT, 'domains.yaml'),
      weights: DEFAULT_WEIGHTS,
      resolution: defaults.resolution,
      seed: defaults.seed,
      pins: {},
    };
  }
  if (options.logs?.length) p.logs = await expandGlobs(options.logs);
  if (options.logFormat) p.logFormat = options.logFormat;
  if (options.traces?.length) p.traces = await expandGlobs(options.traces);
  if (options.logLinePrefix) p.logLinePrefix = options.logLinePrefix;
  if (options.code) {
    p.code = path.resolve(options.code);
    p.codeInclude = undefined;
  }
  if (options.schema) {
    p.schema = path.resolve(options.schema);
    p.database = undefined;
  }
  if (options.database) {
    p.database = options.database;
    p.databaseOptional = false;
    p.schema = undefined;
  }
  if (typeof options.git === 'string') p.git = path.resolve(options.git);
  else if (options.git === true) p.git = p.code ?? process.cwd();
  if (options.compare) p.compare = path.resolve(options.compare);
  if (options.resolution !== undefined) p.resolution = options.resolution;
  if (options.seed !== undefined) p.seed = options.seed;
  if (options.contexts !== undefined) p.contexts = options.contexts;
  if (options.noLogs) p.logs = [];
  if (options.noTraces) p.traces = [];
  if (options.noCode) p.code = undefined;
  return p;
}

/** A partition as a proposal over the graph's nodes (for --evaluate). */
function proposalOf(g: CouplingGraph, partition: Partition): Proposal {
  const community = new Map<string, number>();
  const names = Object.keys(partition.contexts).sort();
  names.forEach((name, i) => {
    const c = partition.contexts[name]!;
    for (const t of c.tables) community.set(nodeId('table', t), i);
    for (const m of c.modules) community.set(nodeId('module', m), i);
    for (const r of c.routes) community.set(nodeId('route', r), i);
  });
  let unassigned = false;
  for (const id of g.nodes.keys()) {
    if (!community.has(id)) {
      community.set(id, names.length);
      unassigned = true;
    }
  }
  for (const id of [...community.keys()]) if (!g.nodes.has(id)) g.nodes.set(id, { kind: id.split(':')[0] as 'table', name: id.slice(id.indexOf(':') + 1) });
  return { community, count: names.length + (unassigned ? 1 : 0), hubs: new Set(partition.shared.map((t) => nodeId('table', t)).filter((id) => g.nodes.has(id))), resolution: 0 };
}

export async function runAnalyze(options: AnalyzeOptions): Promise<AnalyzeResult> {
  const p = await plan(options);
  const warnings: string[] = [];
  if (p.logs.length === 0 && p.traces.length === 0 && !p.code && !p.schema && !p.database) {
    throw new UsageError('nothing to analyze: no query logs, no traces, no code and no schema', 'pass --logs <file|glob>, --traces <file|glob>, --code <dir>, --schema <pg_dump file> or --database <url> (or set monolith.logs/traces/source/schemaFile)');
  }
  let traffic: TrafficSummary | undefined;
  const traffics: TrafficSummary[] = [];
  let code: CodeModel | undefined;
  let schema: SchemaModel | undefined;
  if (p.logs.length > 0) {
    options.onProgress?.(`reading ${p.logs.length} log file(s)`);
    traffics.push(await summarizeTraffic({ files: p.logs, format: p.logFormat, logLinePrefix: p.logLinePrefix, onProgress: (x) => options.onProgress?.(`${x.statements.toLocaleString('en-US')} statements (${path.basename(x.file)})`) }));
  }
  if (p.traces.length > 0) {
    options.onProgress?.(`reading ${p.traces.length} trace file(s)`);
    traffics.push(await summarizeTraces({ files: p.traces, onProgress: (x) => options.onProgress?.(`${x.spans.toLocaleString('en-US')} spans (${path.basename(x.file)})`) }));
  }
  if (traffics.length > 0) {
    // Logs and traces of one monolith are one body of traffic: shapes, transactions and requests merged.
    traffic = mergeTraffic(traffics);
    warnings.push(...traffic.warnings);
  }
  let schemaSource = p.schema;
  if (p.schema) schema = await readSchemaDump(p.schema);
  if (p.database) {
    options.onProgress?.('reading the schema from the database');
    const [{ readLiveSchema }, { redactUrl }] = await Promise.all([import('../adapters/postgres-schema.ts'), import('../adapters/postgres.ts')]);
    try {
      schema = await readLiveSchema(p.database);
      schemaSource = redactUrl(p.database);
    } catch (e) {
      if (!p.databaseOptional) throw e;
      warnings.push(`schema not read from monolith.database (${(e as Error).message}); set monolith.schemaFile to a pg_dump --schema-only file, or pass --schema`);
    }
  }
  if (p.code) {
    options.onProgress?.(`scanning code in ${p.code}`);
    code = await scanCode({
      root: p.code,
      include: p.codeInclude,
      onProgress: (x) => {
        if (x.files % 500 === 0 || x.files === x.total) options.onProgress?.(`${x.files.toLocaleString('en-US')} files of ${x.total.toLocaleString('en-US')} (code)`);
      },
    });
    if (schema) code = keepKnownTables(code, [...schema.tables.map((t) => t.name), ...schema.views.map((v) => v.name)]);
    warnings.push(...code.warnings);
  }
  let history: HistoryModel | undefined;
  if (p.git) {
    options.onProgress?.(`reading git history in ${p.git}`);
    history = await readGitHistory({ dir: p.git, codeRoot: p.code });
  }
  const graph = buildCouplingGraph({ traffic, code, schema, history });
  if (![...graph.nodes.values()].some((n) => n.kind === 'table')) {
    throw new UsageError('no tables found in the inputs', 'check that the logs hold SQL statements (log_statement=all) or that the code uses the database');
  }
  let proposal: Proposal;
  if (options.evaluate) {
    proposal = proposalOf(graph, await readPartition(options.evaluate));
  } else {
    const pins = Object.fromEntries(Object.entries(p.pins));
    proposal = proposePartition(graph, { weights: p.weights, resolution: p.resolution, seed: p.seed, contexts: p.contexts, pins });
  }
  const analysis = assembleAnalysis(graph, proposal, p.weights, traffic);
  const result: AnalyzeResult = {
    ...analysis,
    inputs: {
      source: options.evaluate ? 'flags' : p.source,
      logs: traffic?.files ?? [],
      ...(p.code ? { code: p.code } : {}),
      modules: code?.modules.length ?? 0,
      ...(schemaSource ? { schema: schemaSource } : {}),
      ...(history ? { git: { dir: p.git!, commits: history.commits, coChanges: history.coChanges.length } } : {}),
      tables: [...graph.nodes.values()].filter((n) => n.kind === 'table').length,
    },
    written: [],
    warnings,
  };
  if (p.compare) {
    const reference = await readPartition(p.compare);
    const partition: Partition = { contexts: Object.fromEntries(analysis.contexts.map((c) => [c.name, { tables: c.tables, modules: c.modules, routes: c.routes }])), shared: analysis.shared.map((s) => s.table) };
    const comparison = comparePartitions(partition, reference);
    if (comparison.unknown.inReference.length) warnings.push(`${p.compare}: ${comparison.unknown.inReference.length} table(s) not seen in the inputs: ${comparison.unknown.inReference.slice(0, 5).join(', ')}`);
    result.comparison = { ...comparison, reference: p.compare };
  }
  return result;
}
