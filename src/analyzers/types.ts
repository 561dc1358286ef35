/**
 * The data that flows through `strangler analyze`. Readers and scanners produce these; the graph, the
 * clustering, the metrics and the reporters consume them. Pure data: no I/O handles in here.
 *
 * Naming conventions, everywhere:
 * - a table is its lower-case name when in schema `public` (`order_items`), else `schema.table`;
 * - a code module is its path relative to the code root, with `/` separators (`services/order-service.ts`);
 * - a route is `METHOD /path` with express-style parameters (`GET /products/:id`).
 */

/** Where a piece of evidence comes from, for messages and reports. */
export interface SourceRef {
  file: string;
  line: number;
}

// ---------------------------------------------------------------- query logs

export type LogFormat = 'stderr' | 'syslog' | 'logplex' | 'rds' | 'csvlog' | 'jsonlog' | 'cnpg' | 'cloudsql' | 'pg_stat_statements';

/** One statement as a log reader yields it (streamed, never all in memory). */
export interface LoggedStatement {
  sql: string;
  /** Bind parameters of a prepared statement (`DETAIL: parameters: $1 = '5'`), in order. */
  params?: string[];
  /** Session identity: %c session id, else pid (+ backend start when known). */
  session?: string;
  /** Transaction id (%x) when logged and not 0. */
  xid?: string;
  /** Virtual transaction id (%v). */
  vxid?: string;
  timestamp?: string;
  user?: string;
  database?: string;
  application?: string;
  durationMs?: number;
  /** Weight: 1 for a log line; `calls` for a pg_stat_statements row. */
  calls: number;
  source: SourceRef;
}

/** Tables one statement reads and writes, from the real PostgreSQL parser. */
export interface TableAccess {
  read: string[];
  written: string[];
  /** Every table the statement mentions (read ∪ written), sorted; a JOIN/co-access signal. */
  tables: string[];
}

/** Tags from sqlcommenter/marginalia comments or application_name: route, module, controller... */
export type SqlTags = Record<string, string>;

/** One distinct statement shape (libpg-query fingerprint), aggregated over the whole input. */
export interface StatementShape {
  fingerprint: string;
  /** First statement text seen with this shape (truncated to a few hundred characters). */
  example: string;
  access: TableAccess;
  /** Sum of weights (statements executed). */
  count: number;
  /** Counts per `route` tag and per `module` tag seen on this shape. */
  routes: Record<string, number>;
  modules: Record<string, number>;
  firstSeen: SourceRef;
}

/** Transactions aggregated by the set of tables they touch. */
export interface TransactionShape {
  tables: string[];
  written: string[];
  count: number;
}

/** Requests (statements sharing a route tag within a transaction or session burst), aggregated per route. */
export interface RequestShape {
  route: string;
  module?: string;
  tables: string[];
  written: string[];
  count: number;
}

export interface UnparsedStatement {
  sql: string;
  error: string;
  source: SourceRef;
}

/** Trace exports: OTLP/JSON lines (the collector's file exporter) and Jaeger JSON (`{data:[{traceID, spans}]}`). */
export type TraceFormat = 'otlp' | 'jaeger';

export interface TrafficSummary {
  /**
   * Each file read: its format and, for text logs, the log_line_prefix read with (inferred, or given); for trace
   * exports, the traces and spans read.
   */
  files: { file: string; format: LogFormat | TraceFormat; statements: number; logLinePrefix?: string; prefixInferred?: boolean; traces?: number; spans?: number }[];
  /** Statements read (weighted by calls for pg_stat_statements). */
  statements: number;
  shapes: StatementShape[];
  transactions: TransactionShape[];
  requests: RequestShape[];
  unparsed: { count: number; examples: UnparsedStatement[] };
  /** Lines that were not statements and could not be understood (truncated, binary, bad UTF-8). */
  skippedLines: number;
  warnings: string[];
}

// ---------------------------------------------------------------- code

export interface CodeModule {
  path: string;
  lines: number;
}

export interface ImportEdge {
  from: string;
  to: string;
  at: SourceRef;
}

/** Calls from functions of one module to functions of another, aggregated per module pair. */
export interface CallEdge {
  from: string;
  to: string;
  count: number;
  /** First call site. */
  at: SourceRef;
}

export interface CodeTableAccess {
  module: string;
  table: string;
  mode: 'read' | 'write';
  count: number;
  /** First site. */
  at: SourceRef;
  /** How it was found: `knex`, `raw-sql`, `typeorm`, `sequelize`, `prisma`. */
  via: string;
}

export interface CodeRoute {
  /** `METHOD /full/path`: the path as mounted (router prefixes, `app.use('/x', router)`, Nest global prefix). */
  route: string;
  /** The HTTP method (`GET`, `ALL` for any). */
  method?: string;
  /** The path as the registration itself writes it, before any prefix. */
  path?: string;
  /** The handler's name inside its file (`list`, `OrdersController.find`), when the scan found it. */
  handlerName?: string;
  /** How the route was found: `express`, `koa-router`, `fastify`, `hapi`, `nestjs`, `nextjs`. */
  via?: string;
  /** Module that declares the route. */
  module: string;
  /** Module of the handler function, when resolvable. */
  handlerModule?: string;
  /** Modules reachable from the handler through calls (for route -> table evidence). */
  reaches?: string[];
  /** The handler function (`file#name`; an inline handler is `file#METHOD /path@line`), when the scan found it. */
  handler?: string;
  /** Where the handler function is declared. */
  handlerAt?: SourceRef;
  /**
   * Tables the handler and the functions it calls (a few steps deep) access, each once: `writes` when any of them
   * writes it, `count` the accesses found. Only when the handler was found.
   */
  tables?: RouteTable[];
  at: SourceRef;
}

export interface RouteTable {
  table: string;
  writes: boolean;
  count: number;
}

/** A function the scan keeps apart (top-level, a member of a top-level class or object, an inline handler). */
export interface CodeFunction {
  /** `file#name`, the key routes' `handler` and `calls` use. */
  key: string;
  file: string;
  name: string;
  line: number;
  endLine: number;
  /** Functions it calls, resolved to keys of other functions of the model. */
  calls: string[];
  /** Tables it touches itself (not through its calls). */
  tables: RouteTable[];
}

/** A table the code declares: an entity, a model, a join table, a Prisma model, a migration's `createTable`. */
export interface CodeTable {
  table: string;
  /** The class or model that maps it, when there is one. */
  entity?: string;
  via: string;
  at: SourceRef;
}

export interface CodeModel {
  root: string;
  /** Every function found, for moving code (`extract`) and for reading route -> table evidence. */
  functions?: CodeFunction[];
  /** Tables declared by the code (entities, models, join tables), whether or not the code was seen using them. */
  tables?: CodeTable[];
  modules: CodeModule[];
  imports: ImportEdge[];
  calls: CallEdge[];
  tableAccess: CodeTableAccess[];
  routes: CodeRoute[];
  warnings: string[];
}

// ---------------------------------------------------------------- schema

export interface SchemaTable {
  name: string;
  columns: { name: string; type: string; nullable: boolean }[];
  primaryKey: string[];
}

export interface ForeignKey {
  name: string;
  from: string;
  fromColumns: string[];
  to: string;
  toColumns: string[];
  /** ON DELETE CASCADE: the row is part of its parent (a weak entity of the parent's aggregate). */
  cascade?: boolean;
}

export interface SchemaModel {
  tables: SchemaTable[];
  foreignKeys: ForeignKey[];
  /** Views and the tables they read. */
  views: { name: string; reads: string[] }[];
}

// ---------------------------------------------------------------- git history

export interface CoChange {
  a: string;
  b: string;
  /** Commits that changed both files. */
  commits: number;
}

export interface HistoryModel {
  commits: number;
  /** Commits per file. */
  revisions: Record<string, number>;
  coChanges: CoChange[];
}

// ---------------------------------------------------------------- partitions

/**
 * A partition of tables, modules and routes into contexts. One format for `analysis.yaml`,
 * the sample's `domains.yaml` (ground truth), `--compare` and `--evaluate`, and strangler.yaml `contexts`.
 */
export interface Partition {
  contexts: Record<string, { tables: string[]; modules: string[]; routes: string[] }>;
  /** Tables deliberately used/written by several contexts (excluded from pairwise scoring). */
  shared: string[];
  /** Modules every context uses (helpers, wiring); excluded from pairwise scoring of modules. */
  sharedModules?: string[];
}
