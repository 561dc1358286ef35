/**
 * Loop prevention for two-way sync with PostgreSQL replication origins. The applier of each direction marks
 * its session with the origin `strangler_<domain>_<direction>`, so every transaction it commits carries that
 * origin in the WAL; the stream of the other direction drops transactions that carry a strangler origin
 * (`origin 'none'` on PostgreSQL 16+, and the decoder's filter for older servers).
 */
import type pg from 'pg';
import { quoteIdent } from '../adapters/postgres.ts';
import { EnvironmentError } from '../errors.ts';

export type SyncDirection = 'forward' | 'reverse';

export const ORIGIN_PREFIX = 'strangler_';

/** `strangler_<domain>_<direction>`: the origin the applier of one direction marks its transactions with. */
export function originName(domain: string, direction: SyncDirection): string {
  return `${ORIGIN_PREFIX}${domain.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${direction}`;
}

/** A transaction applied by strangler (either direction, any context): never send it on. */
export function isStranglerOrigin(name: string): boolean {
  return name.startsWith(ORIGIN_PREFIX);
}

/** Creates the origin when missing and binds this session to it; each transaction it commits then carries it. */
export async function setupSessionOrigin(client: pg.ClientBase, name: string): Promise<void> {
  try {
    await bindOrigin(client, name);
  } catch (e) {
    if ((e as { code?: string }).code !== '42501') throw e;
    const user = (await client.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u;
    throw new EnvironmentError(
      `role ${user} may not use replication origins (two-way sync tags what it applies with origin ${name})`,
      `run sync as a superuser, or ${originGrants(user)}`,
      { cause: e },
    );
  }
}

async function bindOrigin(client: pg.ClientBase, name: string): Promise<void> {
  await client.query(`SELECT pg_replication_origin_create($1) WHERE pg_replication_origin_oid($1) IS NULL`, [name]).catch((e) => {
    // two appliers racing to create it: the other one won
    if ((e as { code?: string }).code !== '23505') throw e;
  });
  const r = await client.query<{ setup: boolean }>(`SELECT pg_replication_origin_session_is_setup() AS setup`);
  if (!r.rows[0]!.setup) await client.query(`SELECT pg_replication_origin_session_setup($1)`, [name]);
}

/** Inside an apply transaction: records the source position the transaction brings (visible in pg_replication_origin_status). */
export async function recordOriginProgress(client: pg.ClientBase, remoteLsn: string, remoteCommitTime: Date): Promise<void> {
  await client.query(`SELECT pg_replication_origin_xact_setup($1::pg_lsn, $2)`, [remoteLsn, remoteCommitTime]);
}

export async function originExists(client: pg.ClientBase, name: string): Promise<boolean> {
  const r = await client.query<{ ok: boolean }>(`SELECT pg_replication_origin_oid($1) IS NOT NULL AS ok`, [name]);
  return r.rows[0]!.ok;
}

export async function dropOrigin(client: pg.ClientBase, name: string): Promise<boolean> {
  if (!(await originExists(client, name))) return false;
  await client.query(`SELECT pg_replication_origin_drop($1)`, [name]);
  return true;
}

/** Whether this role may use replication origins (superuser, or EXECUTE granted on the origin functions). */
export async function canUseOrigins(client: pg.ClientBase): Promise<{ ok: boolean; user: string }> {
  const r = await client.query<{ ok: boolean; user: string }>(
    `SELECT current_user AS user,
            (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
            OR (has_function_privilege('pg_catalog.pg_replication_origin_session_setup(text)', 'EXECUTE')
                AND has_function_privilege('pg_catalog.pg_replication_origin_create(text)', 'EXECUTE')) AS ok`,
  );
  return r.rows[0]!;
}

/** The GRANTs that let a non-superuser role use origins (the fix a pre-flight issue names). */
export function originGrants(user: string): string {
  const u = quoteIdent(user);
  return (
    `GRANT EXECUTE ON FUNCTION pg_replication_origin_create(text), pg_replication_origin_session_setup(text), ` +
    `pg_replication_origin_session_is_setup(), pg_replication_origin_oid(text), pg_replication_origin_xact_setup(pg_lsn, timestamptz) TO ${u};`
  );
}

/** `origin 'none'` (PostgreSQL 16+) makes the server itself drop transactions that carry any origin. */
export async function serverFiltersOrigins(client: pg.ClientBase): Promise<boolean> {
  const r = await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
  return Number(r.rows[0]!.v) >= 160000;
}
