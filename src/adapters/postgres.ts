/**
 * The PostgreSQL adapter: the only way strangler code opens database connections.
 * Connection failures become EnvironmentError (exit 3) with a one-line message that names the database.
 */
import pg from 'pg';
import { EnvironmentError } from '../errors.ts';

export type PgClient = pg.Client;
export type PgPool = pg.Pool;

/** postgres://user:secret@host/db -> postgres://user:***@host/db (for messages). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid database URL>';
  }
}

/** Explains a connection error in one line: what failed, where, and what to do. */
export function describeConnectionError(role: string, url: string, e: unknown): EnvironmentError {
  const err = e as NodeJS.ErrnoException & { code?: string };
  const where = `${role} database ${redactUrl(url)}`;
  const code = err?.code;
  const hints: Record<string, string> = {
    ECONNREFUSED: 'is PostgreSQL running and listening there?',
    ENOTFOUND: 'check the host name',
    ETIMEDOUT: 'check the host, port and firewall',
    '28P01': 'check the user name and password',
    '28000': 'check pg_hba.conf and the user name',
    '3D000': 'create the database or fix its name in the URL',
  };
  const reason = code === '3D000' ? 'database does not exist' : (err?.message ?? String(e));
  return new EnvironmentError(`cannot connect to ${where}: ${reason}`, hints[code ?? ''] ?? 'check the URL in strangler.yaml or DATABASE_URL', {
    cause: e,
  });
}

export interface ConnectOptions {
  /** Shown in error messages: "monolith", "service", "target"... */
  role?: string;
  applicationName?: string;
  /** Open a replication connection (`replication=database`). */
  replication?: boolean;
  connectTimeoutMs?: number;
  /** Server settings for every session, e.g. `{ TimeZone: 'UTC' }`. */
  settings?: Record<string, string>;
}

function optionsString(settings?: Record<string, string>): string | undefined {
  if (!settings) return undefined;
  return Object.entries(settings)
    .map(([k, v]) => `-c ${k}=${v.replace(/[\\ ]/g, (c) => `\\${c}`)}`)
    .join(' ');
}

export async function connect(url: string, options: ConnectOptions = {}): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    application_name: options.applicationName ?? 'strangler',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    options: optionsString(options.settings),
    ...(options.replication ? { replication: 'database' } : {}),
  } as pg.ClientConfig);
  // An idle connection that drops later must not crash the process with an unhandled 'error' event.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => {});
    throw describeConnectionError(options.role ?? 'the', url, e);
  }
  return client;
}

export async function createPool(url: string, options: ConnectOptions & { max?: number } = {}): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: url,
    application_name: options.applicationName ?? 'strangler',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    options: optionsString(options.settings),
    max: options.max ?? 4,
  });
  pool.on('error', () => {});
  try {
    const c = await pool.connect();
    c.release();
  } catch (e) {
    await pool.end().catch(() => {});
    throw describeConnectionError(options.role ?? 'the', url, e);
  }
  return pool;
}

/** Quotes an identifier for SQL text. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes `schema.table` or `table`. */
export function quoteQualified(name: string): string {
  return name.split('.').map(quoteIdent).join('.');
}
