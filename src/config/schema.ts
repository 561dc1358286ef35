/**
 * strangler.yaml: the desired state of a migration, in git.
 * Every type the rest of the code uses for configuration derives from this one zod schema.
 */
import { z } from 'zod';
import { isRouteError, parseRoute, routeMethods } from '../routing/route-pattern.ts';

const identifier = z
  .string()
  .regex(/^[a-z][a-z0-9_-]*$/, 'a lower-case name: letters, digits, "_" or "-", starting with a letter');

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'a PostgreSQL URL such as postgres://user@127.0.0.1:5432/shop');

const httpUrl = z.string().regex(/^https?:\/\//, 'an http(s) URL such as http://127.0.0.1:3000');

export const logFormats = ['auto', 'stderr', 'syslog', 'rds', 'logplex', 'csvlog', 'jsonlog', 'cnpg', 'cloudsql', 'pg_stat_statements'] as const;

export const monolithSchema = z
  .strictObject({
    /** Human name of the monolith. */
    name: z.string().default('monolith'),
    /** Root of its source code (TypeScript/JavaScript), relative to strangler.yaml. */
    source: z.string().optional(),
    /** Its database. */
    database: postgresUrl.optional(),
    /** A `pg_dump --schema-only` file, when the database is not reachable. */
    schemaFile: z.string().optional(),
    /** Base URL of the running monolith (API parity, routing). */
    url: httpUrl.optional(),
    /** Query logs: files or globs, plain or compressed (gzip, bzip2, xz, zstd). */
    logs: z.array(z.string()).default([]),
    logFormat: z.enum(logFormats).default('auto'),
    /** PostgreSQL's log_line_prefix for text logs (stderr, syslog, RDS...); inferred from the lines when not set. */
    logLinePrefix: z.string().optional(),
    /** Git repository for co-change history. */
    git: z.string().optional(),
  })
  .describe('Where the monolith, its code, its database and its logs are');

export const evidenceKinds = [
  'join',
  'transaction',
  'request',
  'foreignKey',
  'codeAccess',
  'handlerAccess',
  'import',
  'call',
  'coChange',
] as const;
export type EvidenceKind = (typeof evidenceKinds)[number];

export const analysisSchema = z
  .strictObject({
    /** Relative weight of each kind of evidence in the coupling graph. */
    weights: z.partialRecord(z.enum(evidenceKinds), z.number().min(0)).default({}),
    /** Louvain resolution: above 1 gives more, smaller contexts. */
    resolution: z.number().positive().default(1.5),
    /** Aim at this number of contexts. */
    contexts: z.number().int().positive().optional(),
    /** Seed for reproducible community detection. */
    seed: z.number().int().default(42),
    /** Pin a table or module to a context: `{ settings: platform }`. */
    pins: z.record(z.string(), identifier).default({}),
    /** Tables and modules to leave out of the analysis (globs). */
    ignore: z.array(z.string()).default([]),
  })
  .describe('How `strangler analyze` weighs evidence');

export const syncSchema = z.strictObject({
  /** `direct`: slot -> target; `kafka`: slot -> Kafka topics -> target. */
  via: z.enum(['direct', 'kafka']).default('direct'),
  /** Replication slot name (default strangler_<context>). */
  slot: z.string().optional(),
  /** Publication name (default strangler_<context>). */
  publication: z.string().optional(),
  /** Topic prefix in Kafka mode (default strangler.<context>). */
  topicPrefix: z.string().optional(),
  /** Rows per target transaction. */
  batchSize: z.number().int().positive().default(1000),
  /**
   * Milliseconds a transaction that arrives while nothing is being applied waits for others to share its target
   * transaction: 0 applies each at once (lowest lag), more groups small transactions (fewer target commits).
   */
  lingerMs: z.number().int().min(0).max(10_000).default(20),
  /** Seconds between catalog checks while streaming: sequences moved past the monolith's, new tables reported. */
  catalogCheckSeconds: z.number().min(0.5).max(3600).default(30),
  /** Kafka mode: the monolith's transactional outbox table (`outbox`), whose inserts are relayed as domain events. */
  outbox: z.string().optional(),
  /** Topic prefix of relayed domain events: `<prefix>.<aggregatetype>` (default outbox.event). */
  outboxTopicPrefix: z.string().optional(),
  /** Service -> monolith sync during the dual-write phase. */
  reverse: z.boolean().default(false),
  /** Two-way sync: whose row is kept when both sides changed it (see docs/sync.md). */
  conflicts: z.enum(['monolith-wins', 'service-wins']).default('monolith-wins'),
});

export const paritySchema = z.strictObject({
  /** JSON paths ignored in API parity, e.g. `$.generatedAt`, `$.items[*].etag`. */
  ignorePaths: z.array(z.string()).default([]),
  /** Response headers compared in API parity. */
  headers: z.array(z.string()).default(['content-type']),
  /** Absolute tolerance for floating-point columns and JSON numbers. */
  floatTolerance: z.number().min(0).default(0),
  /** Ignore rows changed in the last N seconds (needs an updated_at-like column). */
  minAgeSeconds: z.number().min(0).optional(),
  /** The updated_at-like column that --min-age reads (default updated_at). */
  updatedAtColumn: z.string().optional(),
  /** Column renamed in the service: `{ table: { monolithColumn: serviceColumn } }`. */
  columnMap: z.record(z.string(), z.record(z.string(), z.string())).default({}),
  /** Thresholds for the exit code. */
  failOn: z
    .strictObject({
      dataDifferences: z.number().int().min(0).default(0),
      noisyEndpointsPercent: z.number().min(0).max(100).default(100),
      apiDifferences: z.number().int().min(0).default(0),
    })
    .prefault({}),
});

/**
 * Where a context stands, one field read by extract, route, proxy and status:
 * analyzed -> extracted -> syncing -> shadow -> canary (routing.percent) -> service -> retired.
 * Before `shadow` every request of the context is answered by the monolith.
 */
export const contextPhases = ['analyzed', 'extracted', 'syncing', 'shadow', 'canary', 'service', 'retired'] as const;
export type ContextPhase = (typeof contextPhases)[number];

/** Limits of the proxy's automatic fall back to the previous phase, relative to the monolith over a sliding window. */
export const guardrailsSchema = z.strictObject({
  /** Sliding window, seconds. */
  windowSeconds: z.number().positive().max(3600).default(30),
  /** Service requests in the window before the limits apply. */
  minRequests: z.number().int().min(1).default(20),
  /** Fall back when the service's 5xx rate exceeds the monolith's by more than this (0..1). */
  maxErrorRateIncrease: z.number().min(0).max(1).default(0.05),
  /** Fall back when the service's p99 exceeds the monolith's times this factor plus p99SlackMs. */
  maxP99Ratio: z.number().min(1).default(2),
  p99SlackMs: z.number().min(0).default(50),
  /** After a connection failure (refused, reset, timeout) the service gets no traffic for this long, seconds. */
  ejectSeconds: z.number().min(0).default(30),
});

export const routingSchema = z.strictObject({
  /** Canary share of users sent to the service (phase `canary`). */
  percent: z.number().min(0).max(100).default(0),
  /** Per-route phase: `{ "GET /products/:id": { phase: service } }` (routes of this context). */
  overrides: z
    .record(z.string(), z.strictObject({ phase: z.enum(contextPhases), percent: z.number().min(0).max(100).optional() }))
    .default({}),
  /** Methods mirrored in `shadow` (others are not: they would write twice). */
  shadowMethods: z.array(z.enum(routeMethods)).default(['GET', 'HEAD', 'OPTIONS']),
  /** Why the context may be at `service` without reverse sync (sync.reverse), e.g. "read-only context". */
  reason: z.string().optional(),
  /** Per-upstream timeout of the service, milliseconds. */
  timeoutMs: z.number().int().positive().default(10_000),
  guardrails: guardrailsSchema.prefault({}),
});

/** Phases in which the service receives requests (mirrored or real). */
export const servicePhases: readonly ContextPhase[] = ['shadow', 'canary', 'service'];

/** Checks across fields of a context (the route table, the phase and what it needs). */
function checkContext(c: { routes: string[]; phase: ContextPhase; service: { url?: string }; sync: { reverse: boolean }; routing: { reason?: string; overrides: Record<string, unknown> } }, ctx: z.RefinementCtx): void {
  const routes = new Set<string>();
  c.routes.forEach((r, i) => {
    const parsed = parseRoute(r);
    if (isRouteError(parsed)) ctx.addIssue({ code: 'custom', path: ['routes', i], message: parsed.error });
    else routes.add(parsed.text);
  });
  for (const key of Object.keys(c.routing.overrides)) {
    const parsed = parseRoute(key);
    if (isRouteError(parsed)) ctx.addIssue({ code: 'custom', path: ['routing', 'overrides', key], message: parsed.error });
    else if (!routes.has(parsed.text)) ctx.addIssue({ code: 'custom', path: ['routing', 'overrides', key], message: `"${key}" is not one of this context's routes (add it to routes)` });
  }
  const phases = [c.phase, ...Object.values(c.routing.overrides).map((o) => (o as { phase: ContextPhase }).phase)];
  const needsService = phases.find((p) => servicePhases.includes(p));
  if (needsService && !c.service.url) ctx.addIssue({ code: 'custom', path: ['service', 'url'], message: `phase ${needsService} sends requests to the service, but service.url is not set (set it to the service's base URL)` });
  if (phases.some((p) => p === 'service' || p === 'retired') && !c.sync.reverse && !c.routing.reason) {
    ctx.addIssue({ code: 'custom', path: ['phase'], message: 'phase service needs reverse sync (sync.reverse: true) or a declared reason (routing.reason: "...")' });
  }
}

export const contextSchema = z
  .strictObject({
    description: z.string().optional(),
    /** Tables this context owns (optionally schema-qualified). */
    tables: z.array(z.string()).default([]),
    /** Code modules (paths relative to monolith.source). */
    modules: z.array(z.string()).default([]),
    /** HTTP routes: `GET /products/:id`. */
    routes: z.array(z.string()).default([]),
    /** Where the context stands in its migration (see contextPhases). */
    phase: z.enum(contextPhases).default('analyzed'),
    service: z
      .strictObject({
        name: z.string().optional(),
        /** Folder of the generated service, relative to strangler.yaml (default services/<context>). */
        path: z.string().optional(),
        /** Environment variable holding the service's database URL inside the service (default DATABASE_URL). */
        databaseEnv: z.string().optional(),
        /** The service's own database. */
        database: postgresUrl.optional(),
        /** Schema in the service database (default public). */
        schema: z.string().default('public'),
        url: httpUrl.optional(),
      })
      .prefault({}),
    sync: syncSchema.prefault({}),
    parity: paritySchema.prefault({}),
    routing: routingSchema.prefault({}),
  })
  .superRefine(checkContext)
  .describe('A bounded context: what it owns and where its service stands');

export const kafkaSchema = z.strictObject({
  brokers: z.array(z.string().regex(/^[^:\s]+:\d+$/, 'host:port')).min(1),
  clientId: z.string().default('strangler'),
});

export const proxySchema = z.strictObject({
  /** Address the proxy serves traffic on. */
  listen: z.string().regex(/^[^:\s]+:\d+$/, 'host:port').default('127.0.0.1:8080'),
  /** Admin address: Prometheus /metrics and /status (read by `route status` and `status`). */
  admin: z.string().regex(/^[^:\s]+:\d+$/, 'host:port').default('127.0.0.1:8081'),
  /** Where the sticky canary finds a user's key, tried in this order (client address when none is present). */
  userKey: z
    .strictObject({
      header: z.string().default('x-user-id'),
      cookie: z.string().optional(),
      /** Use the `sub` claim of an `Authorization: Bearer` JWT (not verified: only the split reads it). */
      jwtSub: z.boolean().default(true),
    })
    .prefault({}),
  /** Timeout of the monolith upstream, milliseconds. */
  monolithTimeoutMs: z.number().int().positive().default(30_000),
  /** Largest request head accepted, bytes. */
  maxHeaderBytes: z.number().int().min(1024).max(1_048_576).default(16_384),
  /** Shadow log (JSON lines of mismatches), relative to strangler.yaml. */
  shadowLog: z.string().default('.strangler/shadow.log'),
  /** A client must send its whole request head within this time (slowloris), milliseconds. */
  headersTimeoutMs: z.number().int().positive().default(10_000),
  /** A client must send its whole request (head and body) within this time, milliseconds. */
  requestTimeoutMs: z.number().int().positive().default(60_000),
  /** Idle keep-alive connections from clients are closed after this long, milliseconds. */
  keepAliveTimeoutMs: z.number().int().positive().default(5_000),
  /** Most connections the proxy opens to each upstream (more requests wait for a free one). */
  upstreamConnections: z.number().int().min(1).max(65_536).default(256),
  /** Mirroring in shadow: requests compared at once, requests waiting (more are dropped, never delayed), largest answer compared. */
  shadow: z
    .strictObject({
      concurrency: z.number().int().min(1).max(1024).default(16),
      queue: z.number().int().min(0).max(100_000).default(1000),
      maxBodyBytes: z.number().int().min(1024).default(1_048_576),
    })
    .prefault({}),
});

export const configSchema = z
  .strictObject({
    version: z.literal(1).default(1),
    monolith: monolithSchema.prefault({}),
    analysis: analysisSchema.prefault({}),
    kafka: kafkaSchema.optional(),
    proxy: proxySchema.prefault({}),
    contexts: z.record(identifier, contextSchema).default({}),
  })
  .describe('strangler.yaml: the desired state of a Strangler Fig migration');

export type StranglerConfig = z.infer<typeof configSchema>;
export type ContextConfig = z.infer<typeof contextSchema>;
export type MonolithConfig = z.infer<typeof monolithSchema>;
export type AnalysisConfig = z.infer<typeof analysisSchema>;
export type SyncConfig = z.infer<typeof syncSchema>;
export type ParityConfig = z.infer<typeof paritySchema>;
