// Applies the service's migrations (knex): `npm run migrate`; `npm run migrate -- down` rolls the last batch back.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config.js';
import { createDb } from './db.js';

const directory = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

export async function migrate(databaseUrl: string, direction: 'up' | 'down' = 'up'): Promise<string[]> {
  const db = createDb(databaseUrl);
  try {
    const [, names] = direction === 'up' ? await db.migrate.latest({ directory, loadExtensions: ['.ts', '.js'] }) : await db.migrate.rollback({ directory, loadExtensions: ['.ts', '.js'] });
    return names as string[];
  } finally {
    await db.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const names = await migrate(loadConfig().databaseUrl, process.argv[2] === 'down' ? 'down' : 'up');
  console.log(names.length ? `${process.argv[2] === 'down' ? 'rolled back' : 'applied'}: ${names.join(', ')}` : 'nothing to do');
}
