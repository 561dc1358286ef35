import type { GlobalOptions } from '../cli-runtime.ts';
import type { ValidateResult } from '../commands/config.ts';
import { json, painter, table } from './format.ts';

export function renderValidate(result: ValidateResult, g: Pick<GlobalOptions, 'json' | 'color'>): string {
  if (g.json) return json(result);
  const c = painter(g.color);
  let out = `${result.file}: ${c.green('valid')}, ${result.contexts.length} context(s)\n`;
  if (result.contexts.length > 0) {
    out += table(['context', 'tables', 'modules', 'routes'], result.contexts.map((x) => [x.name, x.tables, x.modules, x.routes]));
  }
  for (const conn of result.connections ?? []) {
    out += conn.ok
      ? `${c.green('ok')}     ${conn.at}: ${conn.url} (PostgreSQL ${conn.serverVersion})\n`
      : `${c.red('failed')} ${conn.at}: ${conn.error}\n`;
  }
  for (const p of result.tableProblems ?? []) out += `${c.red('failed')} ${p.at}: ${p.problem}\n`;
  return out;
}
