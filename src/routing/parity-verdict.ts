/** Reads the stored parity result `.strangler/parity/<domain>.json` next to strangler.yaml; missing is not green. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ParityVerdict } from './phase-plan.ts';

export function parityResultFile(configDir: string, domain: string): string {
  return path.join(configDir, '.strangler', 'parity', `${domain}.json`);
}

export async function readParityVerdict(configDir: string, domain: string): Promise<ParityVerdict> {
  const file = parityResultFile(configDir, domain);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { verdict: 'missing', file };
  }
  try {
    const v = JSON.parse(text) as { verdict?: unknown; at?: unknown };
    const at = typeof v.at === 'string' ? v.at : undefined;
    if (v.verdict === 'pass') return { verdict: 'pass', at, file };
    return { verdict: 'fail', at, file };
  } catch {
    return { verdict: 'fail', file }; // unreadable is not green either
  }
}
