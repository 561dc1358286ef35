/**
 * strangler.yaml: the desired state of a migration, in git.
 * Every type the rest of the code uses for configuration derives from this one zod schema.
 */
import { z } from 'zod';

const identifier = z
  .string()
  .regex(/^[a-z][a-z0-9_-]*$/, 'a lower-case name: letters, digits, "_" or "-", starting with a letter');

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'a PostgreSQL URL such as postgres://user@127.0.0.1:5432/shop');

const httpUrl = z.string().regex(/^https?:\/\//, 'an http(s) URL such as http://127.0.0.1:3000');

export const logFormats = ['auto', 'stderr', 'csvlog', 'jsonlog', 'pg_stat_statements'] as const;

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
    /** Query logs: files or globs, plain or gzip. */
    logs: z.array(z.string()).default([]),
    logFormat: z.enum(logFormats).default('auto'),
    /** PostgreSQL's log_line_prefix for stderr logs. */
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

export const routingSchema = z.strictObject({
  /** Canary share of users sent to the service (phase `canary`). */
  percent: z.number().min(0).max(100).default(0),
});

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
