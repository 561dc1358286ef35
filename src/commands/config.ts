/** `strangler config validate|schema`: check strangler.yaml (and optionally its databases), or print its JSON Schema. */
import { connect, redactUrl } from '../adapters/postgres.ts';
import { configJsonSchema } from '../config/json-schema.ts';
import { loadConfig } from '../config/load-config.ts';
import { EnvironmentError } from '../errors.ts';

export interface ConnectionCheck {
  /** Config path of the URL: `monolith.database`, `contexts.catalog.service.database`. */
  at: string;
  url: string;
  ok: boolean;
  serverVersion?: string;
  error?: string;
}

export interface ValidateResult {
  file: string;
  contexts: { name: string; tables: number; modules: number; routes: number }[];
  connections?: ConnectionCheck[];
}

export interface ValidateOptions {
  file: string;
  checkConnections?: boolean;
}

export async function runConfigValidate(options: ValidateOptions): Promise<ValidateResult> {
  const { file, config } = await loadConfig(options.file);
  const result: ValidateResult = {
    file,
    contexts: Object.entries(config.contexts).map(([name, ctx]) => ({
      name,
      tables: ctx.tables.length,
      modules: ctx.modules.length,
      routes: ctx.routes.length,
    })),
  };
  if (options.checkConnections) {
    const targets: [string, string][] = [];
    if (config.monolith.database) targets.push(['monolith.database', config.monolith.database]);
    for (const [name, ctx] of Object.entries(config.contexts)) {
      if (ctx.service.database) targets.push([`contexts.${name}.service.database`, ctx.service.database]);
    }
    result.connections = await Promise.all(targets.map(([at, url]) => checkConnection(at, url)));
  }
  return result;
}

async function checkConnection(at: string, url: string): Promise<ConnectionCheck> {
  try {
    const client = await connect(url, { role: at, connectTimeoutMs: 5_000 });
    try {
      const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
      return { at, url: redactUrl(url), ok: true, serverVersion: rows[0]?.server_version };
    } finally {
      await client.end();
    }
  } catch (e) {
    return { at, url: redactUrl(url), ok: false, error: e instanceof EnvironmentError ? e.oneLine() : String(e) };
  }
}

/** The first failed connection as an environment error (exit 3), or undefined. */
export function connectionFailure(result: ValidateResult): EnvironmentError | undefined {
  const failed = result.connections?.filter((c) => !c.ok) ?? [];
  if (failed.length === 0) return undefined;
  return new EnvironmentError(
    `${failed.length} database(s) in ${result.file} cannot be reached: ${failed.map((f) => `${f.at} (${f.url})`).join(', ')}`,
    failed[0]!.error,
  );
}

export function runConfigSchema(): Record<string, unknown> {
  return configJsonSchema();
}
