/** One statement on its own connection (no test runner needed: benchmarks use it too). */
import pg from 'pg';

/** Runs one statement (or a multi-statement string) on its own connection and closes it. */
export async function queryOnce(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text, params);
  } finally {
    await c.end();
  }
}
