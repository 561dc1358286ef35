/**
 * The tables one statement of moved code names, read from its string literals: a knex table argument
 * (`'products'`, `'products as p'`, `'public.products'`) or raw SQL (`FROM`, `JOIN`, `INTO`, `UPDATE`...), and
 * whether it writes. Pure text work on the literals ts-morph hands over.
 */
const TABLE_ARG = /^\s*(?:"?[A-Za-z_][\w$]*"?\.)?"?([A-Za-z_][\w$]*)"?(?:\s+(?:as\s+)?[A-Za-z_][\w$]*)?\s*$/i;
const SQL_TABLE = /\b(?:from|join|into|update|truncate(?:\s+table)?|using)\s+(?:only\s+)?(?:"?[A-Za-z_][\w$]*"?\.)?"?([A-Za-z_][\w$]*)"?/gi;
const SQL_WORD = /\b(select|insert|update|delete|with|truncate)\b/i;
const KNEX_WRITE = /\.\s*(insert|update|del|delete|upsert|merge|increment|decrement|truncate|into)\s*\(/;
const SQL_WRITE = /\b(insert\s+into|update\s+[A-Za-z_"][\w$".]*\s+set|delete\s+from|truncate)\b/i;

export interface StatementTables {
  tables: string[];
  writes: boolean;
}

/** `literals`: the statement's string and template texts; `known`: the table names the monolith has. */
export function statementTables(statementText: string, literals: string[], known: ReadonlySet<string>): StatementTables {
  const found = new Set<string>();
  for (const text of literals) {
    const arg = TABLE_ARG.exec(text);
    if (arg && known.has(arg[1]!)) found.add(arg[1]!);
    if (SQL_WORD.test(text)) for (const m of text.matchAll(SQL_TABLE)) if (known.has(m[1]!)) found.add(m[1]!);
  }
  const writes = KNEX_WRITE.test(statementText) || literals.some((l) => SQL_WRITE.test(l));
  return { tables: [...found].sort(), writes };
}
