/** Step 10: `strangler verify-parity` on data (both databases) and, once routes are moved, API (both answers). */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runVerifyParity, type VerifyParityResult } from '../../commands/verify-parity.ts';
import { ExitCode, StranglerError } from '../../errors.ts';
import { renderParityText } from '../../report/parity-text.ts';
import { untilInterrupted, type DemoContext } from '../demo-context.ts';
import type { DemoStep } from './step.ts';

export const PARITY_REPORT = 'verify-parity.txt';
/** Through Kafka a change can be acknowledged by the slot and still be on its way to the service: compare again. */
const ATTEMPTS = 3;
const PAUSE_MS = 5000;

/** The service does not hold the same data or answer the same way (exit 1, like verify-parity itself). */
export class ParityFailed extends StranglerError {
  readonly exitCode = ExitCode.findings;
}

function describe(r: VerifyParityResult): string {
  const rows = r.data?.tables.reduce((n, t) => n + t.sourceRows, 0) ?? 0;
  const data = r.data ? `${r.data.totals.tables} tables, ${rows.toLocaleString('en-US')} rows: ${r.data.equal ? 'equal' : `${r.data.totals.missing + r.data.totals.extra + r.data.totals.changed} differences`}` : 'no data check';
  const api = r.api ? `${r.api.requests} requests on ${r.api.totals.endpoints} endpoints: ${r.api.totals.differingEndpoints === 0 ? 'same answers' : `${r.api.totals.differingEndpoints} endpoints differ`}` : 'no API check (no route moved)';
  return `${data}; ${api}`;
}

async function verifyOnce(ctx: DemoContext): Promise<VerifyParityResult> {
  return untilInterrupted(runVerifyParity({ domain: ctx.options.context, configFile: ctx.configFile, waitSyncSeconds: 60, api: Boolean(ctx.state.movedRoutes) }), ctx.signal);
}

export const verifyParityStep: DemoStep = {
  id: 'verify-parity',
  title: 'strangler verify-parity',
  why: (ctx) =>
    `Waits until the sync has applied the monolith's latest writes, then compares both databases table by table (checksums over key ranges)${ctx.state.movedRoutes ? ' and replays GET requests of the moved routes against the monolith and the service' : ''}.`,
  async run(ctx) {
    let r = await verifyOnce(ctx);
    let attempt = 1;
    for (; !r.pass && attempt < ATTEMPTS; attempt++) {
      ctx.emit({ type: 'progress', id: 'verify-parity', text: `attempt ${attempt}: ${describe(r)}; comparing again in ${PAUSE_MS / 1000} s (changes may still be in flight)` });
      await untilInterrupted(new Promise((resolve) => setTimeout(resolve, PAUSE_MS)), ctx.signal);
      r = await verifyOnce(ctx);
    }
    await writeFile(path.join(ctx.dir, PARITY_REPORT), renderParityText(r, false));
    if (!r.pass) throw new ParityFailed(`parity failed ${ATTEMPTS} times: ${r.failures.join('; ')} (${describe(r)})`, `the differences are in ${path.join(ctx.dir, PARITY_REPORT)}`);
    return `${describe(r)}${attempt > 1 ? ` (on attempt ${attempt}: changes were still in flight before)` : ''}; report in ${PARITY_REPORT}`;
  },
};
