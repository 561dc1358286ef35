/** Step 10: `strangler verify-parity` on data (both databases) and API (the monolith's and the service's answers). */
import { runVerifyParity } from '../../commands/verify-parity.ts';
import { ExitCode, StranglerError } from '../../errors.ts';
import { untilInterrupted } from '../demo-context.ts';
import type { DemoStep } from './step.ts';

/** The service does not hold the same data or answer the same way (exit 1, like verify-parity itself). */
export class ParityFailed extends StranglerError {
  readonly exitCode = ExitCode.findings;
}

export const verifyParityStep: DemoStep = {
  id: 'verify-parity',
  title: 'strangler verify-parity',
  why: (ctx) => `Waits until the sync has applied the monolith's latest writes, then compares both databases table by table (checksums over key ranges)${ctx.state.movedRoutes ? ' and replays GET requests of the moved routes against the monolith and the service' : ''}.`,
  async run(ctx) {
    const r = await untilInterrupted(runVerifyParity({ domain: ctx.options.context, configFile: ctx.configFile, waitSyncSeconds: 60, api: Boolean(ctx.state.movedRoutes) }), ctx.signal);
    const rows = r.data?.tables.reduce((n, t) => n + t.sourceRows, 0) ?? 0;
    const data = r.data ? `${r.data.totals.tables} tables, ${rows.toLocaleString('en-US')} rows: ${r.data.equal ? 'equal' : `${r.data.totals.missing + r.data.totals.extra + r.data.totals.changed} differences`}` : 'no data check';
    const api = r.api ? `${r.api.requests} requests on ${r.api.totals.endpoints} endpoints: ${r.api.totals.differingEndpoints === 0 ? 'same answers' : `${r.api.totals.differingEndpoints} endpoints differ`}` : 'no API check (no route moved)';
    if (!r.pass) throw new ParityFailed(`parity failed: ${r.failures.join('; ')} (${data}; ${api})`, `see strangler verify-parity ${ctx.options.context} in the demo folder`);
    return `${data}; ${api}`;
  },
};
