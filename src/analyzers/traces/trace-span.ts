/**
 * One span of a trace export, reduced to what `analyze` reads from it: its place in the trace (ids, parent), whether
 * it is an HTTP server span (and its route), whether it is a database span (and its statement). Both readers
 * (OTLP/JSON, Jaeger JSON) yield these, so the summary does not know which format it came from.
 */
import type { SourceRef } from '../types.ts';

export interface TraceSpan {
  traceId: string;
  spanId: string;
  parentId?: string;
  /** Start, in microseconds since the epoch (orders a trace's statements). */
  start: number;
  /** An HTTP server span: `http.route` as recorded (absent when the instrumentation did not set it). */
  server?: { route?: string; method?: string; target?: string };
  /** A database span: `db.query.text` (current conventions) or `db.statement` (before them). */
  statement?: string;
  /** `db.system.name` / `db.system`, lower case. */
  dbSystem?: string;
  /** The file and, for OTLP/JSON, the line (one export batch); line 0 in a Jaeger export (one JSON document). */
  source: SourceRef;
}

/** Databases whose statements are not SQL: their spans are counted, not parsed. */
const NOT_SQL = new Set(['redis', 'mongodb', 'memcached', 'cassandra', 'elasticsearch', 'opensearch', 'dynamodb', 'aws.dynamodb', 'couchbase', 'couchdb', 'neo4j', 'hbase', 'geode', 'coherence', 'cosmosdb', 'azure.cosmosdb', 'etcd', 'influxdb']);

export function isSqlSystem(system: string | undefined): boolean {
  return system === undefined || !NOT_SQL.has(system);
}

/** Attribute values as both formats carry them, reduced to strings (numbers and booleans as their text). */
export type Attributes = (key: string) => string | undefined;

const METHODS = /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|TRACE|CONNECT)$/;

/**
 * The analysis fields of a span from its attributes. `isServer` comes from the span kind. A route is
 * `http.route` only: a server span without it has no route (the url path is kept for messages, never used as one).
 */
export function spanFields(get: Attributes, isServer: boolean): Pick<TraceSpan, 'server' | 'statement' | 'dbSystem'> {
  const out: Pick<TraceSpan, 'server' | 'statement' | 'dbSystem'> = {};
  if (isServer) {
    const method = (get('http.request.method') ?? get('http.method'))?.toUpperCase();
    const route = get('http.route');
    const target = get('url.path') ?? get('http.target');
    out.server = { ...(route ? { route } : {}), ...(method ? { method } : {}), ...(target ? { target: target.split('?')[0] } : {}) };
  }
  const statement = get('db.query.text') ?? get('db.statement');
  if (statement !== undefined && statement.trim() !== '') {
    out.statement = statement;
    const system = get('db.system.name') ?? get('db.system');
    if (system) out.dbSystem = system.toLowerCase();
  }
  return out;
}

/**
 * A route as the rest of analyze names routes: `METHOD /path` with express-style parameters. `{id}` (OpenAPI,
 * Spring, ASP.NET, FastAPI) becomes `:id`; a method that is not HTTP's (or none) becomes `ALL`.
 */
export function routeName(server: { route?: string; method?: string }): string | undefined {
  if (!server.route) return undefined;
  const method = server.method && METHODS.test(server.method) ? server.method : 'ALL';
  const route = server.route.replace(/\{([A-Za-z_][\w-]*)(?::[^}]*)?\}/g, ':$1');
  return `${method} ${route.startsWith('/') ? route : `/${route}`}`;
}
