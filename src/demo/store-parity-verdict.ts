/**
 * The gate out of shadow (`route shift`) reads the last parity verdict at .strangler/parity/<domain>.json. The status
 * work makes verify-parity store it itself (`storedAt` in its result); until that lands, the demo stores the verdict
 * of the run it just made, in the same shape. Remove this file once verify-parity stores its result.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { VerifyParityResult } from '../commands/verify-parity.ts';
import { parityResultFile } from '../routing/parity-verdict.ts';

export async function storeParityVerdict(configDir: string, r: VerifyParityResult, at = new Date()): Promise<string> {
  if ('storedAt' in r && typeof r.storedAt === 'string') return r.storedAt;
  const file = parityResultFile(configDir, r.domain);
  const stored = {
    version: 1,
    domain: r.domain,
    at: at.toISOString(),
    verdict: r.pass ? 'pass' : 'fail',
    checks: { data: Boolean(r.data), api: Boolean(r.api) },
    counts: { ...(r.data ? { data: { ...r.data.totals } } : {}), ...(r.api ? { api: { requests: r.api.requests, ...r.api.totals } } : {}) },
    failures: [...r.failures],
  };
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(`${file}.${process.pid}.tmp`, `${JSON.stringify(stored, null, 2)}\n`);
  await rename(`${file}.${process.pid}.tmp`, file);
  return file;
}
