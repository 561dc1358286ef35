import { describe, expect, it } from 'vitest';
import { scanTree } from './tree.ts';

const accesses = (model: { tableAccess: { module: string; table: string; mode: string; via?: string }[] }, module: string) =>
  model.tableAccess.filter((a) => a.module === module).map((a) => `${a.mode} ${a.table} ${a.via}`).sort();

describe('query builders and drivers', () => {
  it('Kysely: selectFrom and its joins read; insertInto, updateTable, deleteFrom write; a name built at run time is no table', async () => {
    const model = await scanTree({
      'src/people.ts': [
        'export async function adopt(db, table) {',
        "  await db.selectFrom('person as p').innerJoin('pet as pt', 'pt.owner_id', 'p.id').select(['p.id']).execute();",
        "  await db.insertInto('adoption').values({ a: 1 }).execute();",
        "  await db.updateTable('pet').set({ adopted: true }).execute();",
        "  await db.deleteFrom('waitlist').where('id', '=', 1).execute();",
        '  await db.selectFrom(table).selectAll().execute();',
        '}',
      ],
    });
    expect(accesses(model, 'src/people.ts')).toEqual(['read person kysely', 'read pet kysely', 'write adoption kysely', 'write pet kysely', 'write waitlist kysely']);
  });

  it('Drizzle: pgTable / mysqlTable and pgSchema(...).table declare tables', async () => {
    const model = await scanTree({
      'src/db/schema.ts': [
        "import { pgTable, pgSchema, serial, text } from 'drizzle-orm/pg-core';",
        "import { mysqlTable, int } from 'drizzle-orm/mysql-core';",
        "export const users = pgTable('users', { id: serial('id').primaryKey(), name: text('name') });",
        "export const legacy = mysqlTable('legacy_orders', { id: int('id') });",
        "const sales = pgSchema('sales');",
        "export const invoices = sales.table('invoices', { id: serial('id') });",
        "export const label = somethingElse.table('not_a_table', {});",
      ],
    });
    expect((model.tables ?? []).map((t) => `${t.table} ${t.via}`).sort()).toEqual(['legacy_orders drizzle', 'sales.invoices drizzle', 'users drizzle']);
  });

  it('pg and mysql2 query()/execute() calls with SQL literals, `?` and `$1` placeholders', async () => {
    const model = await scanTree({
      'src/repo.js': [
        "const mysql = require('mysql2/promise');",
        "const { Pool } = require('pg');",
        'async function run(conn, pool, id) {',
        "  await conn.execute('SELECT * FROM customers WHERE id = ?', [id]);",
        "  await conn.query(`UPDATE carts SET total = ? WHERE id = ${id}`, [1]);",
        "  await pool.query('INSERT INTO audit_log (msg) VALUES ($1)', ['x']);",
        "  await pool.query({ text: 'DELETE FROM sessions WHERE id = $1', values: [id] });",
        '}',
        'module.exports = { run };',
      ],
    });
    expect(accesses(model, 'src/repo.js')).toEqual(['read customers raw-sql', 'write audit_log raw-sql', 'write carts raw-sql', 'write sessions raw-sql']);
  });
});
