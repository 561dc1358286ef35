import path from 'node:path';
import type { GlobalOptions } from '../cli-runtime.ts';
import type { InitResult } from '../commands/init.ts';
import { renderFilePlan } from './file-plan-text.ts';
import { json, painter } from './format.ts';

export function renderInit(result: InitResult, g: Pick<GlobalOptions, 'json' | 'color'>): string {
  if (g.json) return json(result);
  const c = painter(g.color);
  const rel = (p: string) => path.relative(process.cwd(), p) || p;
  const d = result.detected;
  if (!result.written) return renderFilePlan(result.plan, false);
  return [
    `${c.green('wrote')} ${rel(result.file)} and ${rel(result.schemaFile)}`,
    `  source:   ${d.source ?? c.dim('not found (set monolith.source)')}`,
    `  database: ${d.databaseFromEnv ? '${DATABASE_URL}' : c.dim('DATABASE_URL not set (set monolith.database)')}`,
    `  logs:     ${d.logs.length > 0 ? `${d.logs.length} file(s)` : c.dim('none found (set monolith.logs)')}`,
    `next: edit it, then run ${c.bold('strangler analyze')}`,
    '',
  ].join('\n');
}
