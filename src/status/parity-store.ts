/**
 * The last parity result of a context, stored by `verify-parity` at `.strangler/parity/<domain>.json` next to
 * strangler.yaml: when it ran, its verdict and its counts. `route shift` reads its verdict as the gate out of
 * shadow (routing/parity-verdict.ts); `status` shows it. Written atomically (temp file, then rename), so a reader
 * never sees half a result.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parityResultFile } from '../routing/parity-verdict.ts';

export interface StoredParityResult {
  version: 1;
  domain: string;
  /** ISO time the check finished. */
  at: string;
  verdict: 'pass' | 'fail';
  /** Which checks ran. */
  checks: { data: boolean; api: boolean };
  counts: {
    data?: { tables: number; tablesWithDifferences: number; missing: number; extra: number; changed: number };
    api?: { requests: number; endpoints: number; differingEndpoints: number; differingRequests: number; noisyEndpoints: number };
  };
  /** Why it failed; empty when it passed. */
  failures: string[];
}

/** The parts of verify-parity's result the store keeps (structural: no import of the command). */
export interface ParityOutcome {
  domain: string;
  pass: boolean;
  failures: string[];
  data?: { totals: { tables: number; tablesWithDifferences: number; missing: number; extra: number; changed: number } };
  api?: { requests: number; totals: { endpoints: number; differingEndpoints: number; differingRequests: number; noisyEndpoints: number } };
}

export function toStoredParity(r: ParityOutcome, at: Date): StoredParityResult {
  const counts: StoredParityResult['counts'] = {};
  if (r.data) counts.data = { ...r.data.totals };
  if (r.api) counts.api = { requests: r.api.requests, ...r.api.totals };
  return { version: 1, domain: r.domain, at: at.toISOString(), verdict: r.pass ? 'pass' : 'fail', checks: { data: Boolean(r.data), api: Boolean(r.api) }, counts, failures: [...r.failures] };
}

/** Writes the result for its domain under configDir; returns the file written. */
export async function writeParityResult(configDir: string, result: StoredParityResult): Promise<string> {
  const file = parityResultFile(configDir, result.domain);
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(result, null, 2)}\n`);
    await rename(temp, file);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
  return file;
}

export type ReadParity =
  | { state: 'missing'; file: string }
  | { state: 'unreadable'; file: string; error: string }
  | { state: 'stored'; file: string; result: StoredParityResult };

/** The stored result, or why there is none (never throws: status reports it). */
export async function readParityResult(configDir: string, domain: string): Promise<ReadParity> {
  const file = parityResultFile(configDir, domain);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { state: 'missing', file } : { state: 'unreadable', file, error: (e as Error).message };
  }
  try {
    const v = JSON.parse(text) as Partial<StoredParityResult>;
    if (v.verdict !== 'pass' && v.verdict !== 'fail') return { state: 'unreadable', file, error: 'no verdict "pass" or "fail" in it' };
    const result: StoredParityResult = {
      version: 1,
      domain,
      at: typeof v.at === 'string' ? v.at : '',
      verdict: v.verdict,
      checks: { data: Boolean(v.checks?.data), api: Boolean(v.checks?.api) },
      counts: v.counts ?? {},
      failures: Array.isArray(v.failures) ? v.failures.map(String) : [],
    };
    return { state: 'stored', file, result };
  } catch (e) {
    return { state: 'unreadable', file, error: `not JSON (${(e as Error).message})` };
  }
}
