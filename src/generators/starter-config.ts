/** The commented starter strangler.yaml that `strangler init` writes. Pure: detection results in, text out. */

export interface Detected {
  /** Monolith source directory, relative to the config file. */
  source?: string;
  /** Whether DATABASE_URL was set (the file then refers to it, never copies it). */
  databaseFromEnv: boolean;
  /** Query log files or globs, relative to the config file. */
  logs: string[];
  /** Git repository root, relative to the config file. */
  git?: string;
  /** Monolith name (from package.json). */
  name?: string;
}

export function renderStarterConfig(d: Detected): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = [
    '# yaml-language-server: $schema=./strangler.schema.json',
    '# strangler.yaml: the desired state of this Strangler Fig migration. Keep it in git.',
    '# ${VAR} and ${VAR:-default} are read from the environment.',
    'version: 1',
    '',
    'monolith:',
    `  name: ${q(d.name ?? 'monolith')}`,
    '  # Root of the monolith code (TypeScript/JavaScript), for code coupling.',
    d.source ? `  source: ${q(d.source)}` : '  # source: src',
    '  # Its PostgreSQL database: schema, foreign keys, and the source of sync.',
    d.databaseFromEnv ? '  database: ${DATABASE_URL}' : '  # database: postgres://user@127.0.0.1:5432/shop',
    '  # Query logs (log_statement=all: stderr, csvlog or jsonlog; or a pg_stat_statements export), plain or .gz.',
    d.logs.length > 0 ? `  logs:\n${d.logs.map((l) => `    - ${q(l)}`).join('\n')}` : '  logs: []',
    '  logFormat: auto',
    "  # For stderr logs whose log_line_prefix is not PostgreSQL's default:",
    "  # logLinePrefix: '%m [%p] %q%u@%d '",
    "  # Traces (OTLP/JSON lines from the OpenTelemetry collector's file exporter, or Jaeger JSON), plain or .gz:",
    "  # traces: ['traces/*.jsonl.gz']",
    d.git ? `  git: ${q(d.git)}` : '  # git: .',
    '',
    'analysis:',
    '  # Louvain resolution (>1: more, smaller contexts) and a seed for reproducible results.',
    '  resolution: 1.5',
    '  seed: 42',
    '  # contexts: 8',
    '  # Pin a table or module to a context:',
    '  pins: {}',
    '',
    '# Bounded contexts: `strangler analyze` proposes them; edit freely.',
    'contexts: {}',
    '#  catalog:',
    '#    tables: [products, categories]',
    '#    modules: [services/catalog.ts]',
    "#    routes: ['GET /products', 'GET /products/:id']",
    '#    service:',
    '#      database: ${CATALOG_DATABASE_URL}',
    '#      url: http://127.0.0.1:4001',
    '#    sync:',
    '#      via: direct        # or kafka (then set kafka.brokers)',
    '',
  ];
  return lines.join('\n');
}
