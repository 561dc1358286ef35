/** sqlcommenter / marginalia comments: `/*route='GET%20%2Fproducts',controller='shop'*\/`, at the start or the end. */
import type { SqlTags } from '../types.ts';

const COMMENT = /\/\*((?:(?!\*\/)[\s\S])*)\*\/\s*;?\s*$|^\s*\/\*((?:(?!\*\/)[\s\S])*)\*\//;
const PAIR = /([A-Za-z_][\w.-]*)\s*[=:]\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([^,\s]+))/g;

function decode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\\'/g, "'"));
  } catch {
    return value;
  }
}

/** Splits a statement into its text without the tag comment, and the tags found in it. */
export function splitTags(sql: string): { sql: string; tags: SqlTags } {
  if (!sql.includes('/*')) return { sql, tags: {} };
  const m = COMMENT.exec(sql);
  if (!m) return { sql, tags: {} };
  const body = m[1] ?? m[2] ?? '';
  const tags: SqlTags = {};
  for (const pair of body.matchAll(PAIR)) tags[pair[1]!] = decode(pair[2] ?? pair[3] ?? pair[4] ?? '');
  if (Object.keys(tags).length === 0) return { sql, tags };
  return { sql: (sql.slice(0, m.index) + sql.slice(m.index + m[0].length)).trim(), tags };
}
