// {{serviceName}}: configuration from the environment (twelve-factor); nothing is read from files.
export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  logLevel: string;
  serviceName: string;
  /** OTLP/HTTP traces endpoint (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces). */
  otlpTracesEndpoint?: string;
  /** How long shutdown waits for in-flight requests before closing their connections. */
  shutdownTimeoutMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env['{{databaseEnv}}'];
  if (!databaseUrl) throw new Error('{{databaseEnv}} is not set: export {{databaseEnv}}=postgres://user@host:5432/{{domain}}');
  const port = Number(env.PORT ?? '{{port}}');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${env.PORT}`);
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/$/, '');
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    databaseUrl,
    logLevel: env.LOG_LEVEL ?? 'info',
    serviceName: env.OTEL_SERVICE_NAME ?? '{{serviceName}}',
    otlpTracesEndpoint: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base ? `${base}/v1/traces` : undefined),
    shutdownTimeoutMs: Number(env.SHUTDOWN_TIMEOUT_MS ?? '10000'),
  };
}
