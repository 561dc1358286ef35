/** Text of `strangler status`: one table row per context, then next steps, rollbacks, warnings and unreachable parts. */
import { describe as describePhase } from '../routing/phase-plan.ts';
import type { ContextStatus, ParityStatus, StatusResult, SyncDirectionStatus, TrafficStatus } from '../status/status-result.ts';
import { painter, table } from './format.ts';
import { bytes } from './sync-text.ts';

const shortTime = (iso: string) => (iso ? iso.replace('T', ' ').slice(0, 16) : 'unknown time');
const percent = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);

export function syncCell(s: SyncDirectionStatus | undefined): string {
  if (!s) return '-';
  switch (s.state) {
    case 'not-configured':
      return 'not configured';
    case 'unknown':
      return 'unreachable';
    case 'never-started':
      return 'never started';
    case 'streaming': {
      const lag = s.lagSeconds !== null ? `${s.lagSeconds.toFixed(2)} s` : s.lagBytes !== null ? bytes(s.lagBytes) : '-';
      return `streaming, lag ${lag}`;
    }
    default:
      return s.state;
  }
}

export function parityCell(p: ParityStatus): string {
  if (p.state === 'missing') return 'none yet';
  if (p.state === 'unreadable') return 'unreadable';
  const checks = [p.checks.data ? 'data' : '', p.checks.api ? 'api' : ''].filter(Boolean).join('+');
  if (p.verdict === 'pass') return `pass ${checks}, ${shortTime(p.at)}`;
  const rows = p.counts.data ? p.counts.data.missing + p.counts.data.extra + p.counts.data.changed : 0;
  const endpoints = p.counts.api?.differingEndpoints ?? 0;
  return `fail (${rows} rows, ${endpoints} endpoints), ${shortTime(p.at)}`;
}

export function trafficCell(c: ContextStatus): string {
  const t = c.traffic;
  if (!t) return c.unreachable.includes('proxy') ? 'proxy unreachable' : '-';
  return `${describePhase(t.effective)}: ${t.requests.monolith}/${t.requests.service} req`;
}

const errorsCell = (t: TrafficStatus | undefined) => (t ? `${percent(t.errorRate.monolith)} / ${percent(t.errorRate.service)}` : '-');

export function renderStatus(r: StatusResult, color: boolean): string {
  const c = painter(color);
  const p = r.proxy;
  const lines = [`proxy ${p.admin}: ${p.reachable ? `running since ${p.startedAt}` : c.yellow(p.error ?? 'did not answer')}`];
  if (p.lastReloadError) lines.push(c.yellow(`  last reload rejected: ${p.lastReloadError}`));
  const rows = r.contexts.map((x) => [x.domain, x.label, syncCell(x.sync.forward), syncCell(x.sync.reverse), parityCell(x.parity), trafficCell(x), errorsCell(x.traffic)]);
  lines.push(table(['context', 'phase', 'sync monolith->service', 'sync service->monolith', 'parity', 'traffic (monolith/service)', '5xx monolith / service'], rows).trimEnd());
  if (r.contexts.length === 0) lines.push('no contexts in strangler.yaml yet: run strangler analyze, then strangler context add');
  lines.push('next steps:');
  for (const x of r.contexts) lines.push(`  ${x.domain}: ${c.green(x.nextStep)}`);
  for (const x of r.contexts) {
    for (const rb of x.traffic?.rollbacks ?? []) lines.push(c.yellow(`${x.domain}: rolled back by the proxy at ${rb.at}: ${describePhase(rb.from)} -> ${describePhase(rb.to)}: ${rb.reason}`));
    if (x.traffic?.serviceEjectedUntil) lines.push(c.yellow(`${x.domain}: service ejected until ${x.traffic.serviceEjectedUntil}`));
    for (const s of [x.sync.forward, x.sync.reverse]) if (s?.message) lines.push(`${x.domain}: ${s.direction} sync: ${s.message}`);
    for (const w of x.warnings) lines.push(c.yellow(`${x.domain}: warning: ${w}`));
  }
  if (r.unreachable.length) {
    lines.push(c.red('could not read (the rest of the status stands):'));
    for (const u of r.unreachable) lines.push(c.red(`  ${u.part} ${u.where}: ${u.error} (${u.contexts.join(', ')})`));
  }
  return `${lines.join('\n')}\n`;
}
