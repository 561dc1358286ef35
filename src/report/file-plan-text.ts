/** Text of a file plan (init, sync connect-config, extract): one line per file with its action and reason. */
import path from 'node:path';
import type { FilePlan } from '../generators/file-plan/file-plan.ts';
import { planCounts } from '../generators/file-plan/file-plan.ts';

const VERB = { create: 'create', change: 'change', unchanged: 'same', skip: 'skip' } as const;

export function renderFilePlan(plan: FilePlan, written: boolean, options: { all?: boolean } = {}): string {
  const rel = path.relative(process.cwd(), plan.root) || '.';
  const counts = planCounts(plan);
  const head = `${written ? 'wrote' : 'would write'} ${rel}/: ${counts.create} new, ${counts.change} changed, ${counts.unchanged} unchanged, ${counts.skip} skipped`;
  const shown = plan.files.filter((f) => options.all || f.action === 'skip' || !written);
  return [head, ...shown.map((f) => `  ${VERB[f.action].padEnd(6)} ${f.path}  (${f.reason})`)].join('\n') + '\n';
}
