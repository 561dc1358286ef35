/** `strangler config validate|schema`: check strangler.yaml (and optionally its databases), or print its JSON Schema. */
import { connect, redactUrl } from '../adapters/postgres.ts';
import { configJsonSchema } from '../config/json-schema.ts';
import { loadConfig } from '../config/load-config.ts';
import { describeRelations, relationConfigError } from '../adapters/postgres-relations.ts';
import { ConfigError, EnvironmentError } from '../errors.ts';

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
  /** With connections checked: names in contexts.<d>.tables that are not tables of the monolith database. */
  tableProblems?: { at: string; table: string; problem: string }[];
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
    const monolith = result.connections.find((c) => c.at === 'monolith.database');
    if (monolith?.ok && config.monolith.database) {
      result.tableProblems = await checkTables(config.monolith.database, Object.entries(config.contexts).map(([name, ctx]) => [name, ctx.tables]));
    }
  }
  return result;
}

/** Every name in contexts.<d>.tables must be a table (or partitioned table) of the monolith database. */
async function checkTables(url: string, contexts: [string, string[]][]): Promise<NonNullable<ValidateResult['tableProblems']>> {
  const client = await connect(url, { role: 'monolith.database', connectTimeoutMs: 5_000 });
  try {
    const out: NonNullable<ValidateResult['tableProblems']> = [];
    for (const [name, tables] of contexts) {
      const at = `contexts.${name}.tables`;
      for (const info of await describeRelations(client, tables)) {
        const e = relationConfigError(info, at);
        if (e) out.push({ at, table: info.name, problem: e.oneLine() });
      }
    }
    return out;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The first name that is not a table, as a config error (exit 2), or undefined. */
export function tableFailure(result: ValidateResult): ConfigError | undefined {
  const first = result.tableProblems?.[0];
  if (!first) return undefined;
  const more = result.tableProblems!.length - 1;
  const e = relationMessage(first.problem);
  return new ConfigError(`${result.file}: ${e.message}${more ? ` (and ${more} more name(s) that are not tables)` : ''}`, e.hint);
}

function relationMessage(line: string): { message: string; hint?: string } {
  const i = line.indexOf(' — ');
  return i < 0 ? { message: line } : { message: line.slice(0, i), hint: line.slice(i + 3) };
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
