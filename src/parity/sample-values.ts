/** Sample values for route parameters (`/products/:id`), taken from the monolith's data. */
import type pg from 'pg';
import { quoteIdent } from '../adapters/postgres.ts';
import { readTableShape } from './table-shape.ts';

function candidateTables(param: string, segmentBefore: string): string[] {
  const snake = param.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  const stem = snake.replace(/_?id$/, '');
  const names = stem && stem !== snake ? [`${stem}s`, stem, `${stem}es`] : [];
  const seg = segmentBefore.toLowerCase().replace(/-/g, '_');
  if (seg) names.push(seg, seg.replace(/s$/, ''), `${seg}s`);
  return [...new Set(names.filter(Boolean))];
}

/**
 * Values for every parameter of the given routes, keyed `param|segmentBefore`: up to `limit` primary-key values
 * of the table the parameter names (`:productId` -> products, `/orders/:id` -> orders).
 */
export async function sampleRouteValues(pool: pg.Pool, schema: string, routes: string[], limit: number): Promise<Map<string, string[]>> {
  const byTable = new Map<string, string[]>();
  const load = async (table: string): Promise<string[]> => {
    if (!byTable.has(table)) {
      const shape = await readTableShape(pool, schema, table);
      let values: string[] = [];
      if (shape && shape.primaryKey.length === 1) {
        const pk = quoteIdent(shape.primaryKey[0]!);
        const { rows } = await pool.query<{ v: string }>(`SELECT ${pk}::text AS v FROM ${quoteIdent(schema)}.${quoteIdent(table)} ORDER BY ${pk} LIMIT ${Number(limit)}`);
        values = rows.map((r) => r.v);
      }
      byTable.set(table, values);
    }
    return byTable.get(table)!;
  };
  const out = new Map<string, string[]>();
  for (const route of routes) {
    const segments = (route.trim().split(/\s+/)[1] ?? '').split('/');
    for (let i = 0; i < segments.length; i++) {
      if (!segments[i]!.startsWith(':')) continue;
      const param = segments[i]!.slice(1);
      const before = segments[i - 1] ?? '';
      const key = `${param}|${before}`;
      if (out.has(key)) continue;
      for (const table of candidateTables(param, before)) {
        const values = await load(table);
        if (values.length > 0) {
          out.set(key, values);
          break;
        }
      }
    }
  }
  return out;
}
