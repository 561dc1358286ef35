/**
 * Raw SQL in string and template literals anywhere (`pg`'s and `mysql2`'s `query()`, `knex.raw`, Sequelize's
 * `query`, tagged templates...): a literal that starts like a statement is parsed with the real PostgreSQL parser,
 * `${...}` and `?` bindings turned into parameters. A literal that starts like SQL but does not parse is ignored.
 */
import ts from 'typescript';
import { extractTableAccess } from '../../sql/extract-tables.ts';
import { SyntaxKind } from '../syntax.ts';
import type { CodeDetector } from './detector.ts';

export const SQL_START = /^\s*(\/\*[\s\S]*?\*\/\s*)?(select|insert|update|delete|with|truncate)\b/i;

/** The SQL in a string or template literal, with `${...}` and knex `?` bindings turned into parameters. */
export function sqlOf(node: ts.Node): string | undefined {
  let text: string | undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
  else if (ts.isTemplateExpression(node)) {
    text = node.head.text + node.templateSpans.map((s, i) => `$${i + 1}${s.literal.text}`).join('');
  }
  if (!text || !SQL_START.test(text)) return undefined;
  let n = 100;
  return text.replace(/\?\?|\?/g, (m) => (m === '??' ? 'x' : `$${n++}`));
}

export const rawSql: CodeDetector = {
  name: 'raw-sql',
  kinds: [SyntaxKind.StringLiteral, SyntaxKind.NoSubstitutionTemplateLiteral, SyntaxKind.TemplateExpression],
  visit(node, ctx) {
    const sql = sqlOf(node);
    if (!sql) return;
    try {
      const acc = extractTableAccess(sql);
      for (const t of acc.read) ctx.table(t, 'read', node, 'raw-sql');
      for (const t of acc.written) ctx.table(t, 'write', node, 'raw-sql');
    } catch {
      // A string that starts like SQL but is not: ignore.
    }
  },
};
