/** Databases and replication slots of a throw-away server (strangler demo): create, list, drop. */
import { connect, quoteIdent } from './postgres.ts';

export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const client = await connect(adminUrl, { role: 'the demo' });
  try {
    await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } finally {
    await client.end();
  }
  return databaseUrl(adminUrl, name);
}

/** Names of the server's replication slots. */
export async function listReplicationSlots(adminUrl: string): Promise<string[]> {
  const client = await connect(adminUrl, { role: 'the demo', connectTimeoutMs: 3000 });
  try {
    return (await client.query<{ slot_name: string }>('SELECT slot_name FROM pg_replication_slots ORDER BY 1')).rows.map((r) => r.slot_name);
  } finally {
    await client.end();
  }
}

/** Drops the server's inactive replication slots (a stopped sync leaves its slot); returns their names. */
export async function dropInactiveReplicationSlots(adminUrl: string): Promise<string[]> {
  const client = await connect(adminUrl, { role: 'the demo', connectTimeoutMs: 3000 });
  try {
    const { rows } = await client.query<{ slot_name: string }>('SELECT slot_name FROM pg_replication_slots WHERE NOT active');
    for (const r of rows) await client.query('SELECT pg_drop_replication_slot($1)', [r.slot_name]);
    return rows.map((r) => r.slot_name);
  } finally {
    await client.end();
  }
}
