import { beforeAll, describe, expect, it } from 'vitest';
import { extractTableAccess, initSqlParser, StatementParser } from '../../../src/analyzers/sql/extract-tables.ts';
import { splitTags } from '../../../src/analyzers/sql/sql-tags.ts';

beforeAll(() => initSqlParser());

describe('tables read and written per statement (libpg-query)', () => {
  const cases: [string, string, string[], string[]][] = [
    ['select with joins', 'SELECT * FROM orders o JOIN users u ON u.id = o.user_id LEFT JOIN order_items i ON i.order_id = o.id', ['order_items', 'orders', 'users'], []],
    ['CTE names are not tables', 'WITH recent AS (SELECT * FROM orders) SELECT * FROM recent JOIN users ON true', ['orders', 'users'], []],
    ['subquery', 'SELECT * FROM products WHERE id IN (SELECT product_id FROM order_items)', ['order_items', 'products'], []],
    ['INSERT .. SELECT', 'INSERT INTO daily_sales SELECT placed_at::date, 1, count(*), 0 FROM orders GROUP BY 1', ['orders'], ['daily_sales']],
    ['INSERT .. ON CONFLICT', 'INSERT INTO carts (user_id) VALUES (1) ON CONFLICT (user_id) DO UPDATE SET updated_at = now()', [], ['carts']],
    ['UPDATE .. FROM', 'UPDATE stock_levels s SET on_hand = 0 FROM products p WHERE p.id = s.product_id', ['products'], ['stock_levels']],
    ['DELETE .. USING', 'DELETE FROM user_recommendations r USING users u WHERE u.id = r.user_id', ['users'], ['user_recommendations']],
    ['schema-qualified names', 'SELECT * FROM public.orders JOIN billing.invoices ON true', ['billing.invoices', 'orders'], []],
    ['set operations', 'SELECT id FROM users UNION SELECT user_id FROM orders', ['orders', 'users'], []],
    ['TRUNCATE', 'TRUNCATE cart_items, carts', [], ['cart_items', 'carts']],
    ['COPY FROM writes, COPY TO reads', 'COPY products FROM STDIN', [], ['products']],
    ['COPY TO reads', 'COPY products TO STDOUT', ['products'], []],
    ['parameters', 'SELECT * FROM orders WHERE id = $1', ['orders'], []],
    ['no tables', 'SELECT 1', [], []],
  ];
  it.each(cases)('%s', (_name, sql, read, written) => {
    const access = extractTableAccess(sql);
    expect(access.read).toEqual(read);
    expect(access.written).toEqual(written);
    expect(access.tables).toEqual([...new Set([...read, ...written])].sort());
  });

  it('parses each statement shape once (fingerprint cache) and knows transaction statements', () => {
    const parser = new StatementParser();
    for (let i = 0; i < 50; i++) parser.parse(`SELECT * FROM orders WHERE id = ${i}`);
    parser.parse('SELECT * FROM orders WHERE id = $1');
    expect(parser.parses).toBe(1);
    expect(parser.parse('BEGIN').kind).toBe('begin');
    expect(parser.parse('START TRANSACTION').kind).toBe('begin');
    expect(parser.parse('COMMIT').kind).toBe('commit');
    expect(parser.parse('ROLLBACK').kind).toBe('rollback');
    expect(() => parser.parse('SELEC oops')).toThrow();
    // A rejected text is rejected again from the cache, with the same error.
    let rejected: Error | undefined;
    try {
      parser.parse('SELECT * FROM orders WHERE');
    } catch (e) {
      rejected = e as Error;
    }
    expect(rejected?.message).toMatch(/syntax error/);
    expect(() => parser.parse('SELECT * FROM orders WHERE')).toThrow(rejected!.message);
    expect(parser.parse('SELECT * FROM orders WHERE id = 7').access.tables).toEqual(['orders']);
  });
});

describe('sqlcommenter tags', () => {
  it('reads tags at the end or the start, URL-decoded, and strips them', () => {
    expect(splitTags(`select 1 /*controller='shop',route='GET%20%2Fproducts%2F%3Aid'*/`)).toEqual({ sql: 'select 1', tags: { controller: 'shop', route: 'GET /products/:id' } });
    expect(splitTags(`/*application:shop,controller:orders*/ select 2`)).toEqual({ sql: 'select 2', tags: { application: 'shop', controller: 'orders' } });
    expect(splitTags('select 3 /* just a comment */')).toEqual({ sql: 'select 3 /* just a comment */', tags: {} });
  });
});
