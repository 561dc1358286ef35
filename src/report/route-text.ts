/** Text for `strangler route plan|shift|rollback|status` (the only place route output is formatted). */
import type { RoutePlanResult, RouteShiftResult, RouteStatusResult } from '../commands/route.ts';
import { describe } from '../routing/phase-plan.ts';

const show = (v: unknown) => (v === undefined ? '(unset)' : Array.isArray(v) ? `${v.length} routes` : String(v));

export function renderRoutePlan(r: RoutePlanResult, dryRun: boolean): string {
  const lines = [`${r.domain}: ${r.routes.length} routes -> ${r.serviceUrl ?? 'no service.url yet (pass --service-url)'}`];
  const width = Math.max(...r.routes.map((x) => x.route.length));
  for (const x of r.routes) lines.push(`  ${x.route.padEnd(width)}  ${x.phase} (${x.mode === 'monolith' ? 'monolith answers' : x.mode})`);
  for (const c of r.changes) lines.push(`${dryRun ? 'would set' : 'set'} ${c.path.join('.')}: ${show(c.from)} -> ${show(c.to)}`);
  if (r.changes.length === 0) lines.push('strangler.yaml already says this; nothing to change');
  return `${lines.join('\n')}\n`;
}

export function renderRouteShift(r: RouteShiftResult, dryRun: boolean): string {
  const lines = [`${r.domain}: ${describe(r.from)} -> ${describe(r.to)}${r.forced ? ' (forced: parity not green)' : ''}`];
  for (const c of r.changes) lines.push(`  ${dryRun ? 'would set' : 'set'} ${c.path.join('.')}: ${show(c.from)} -> ${show(c.to)}`);
  if (r.changes.length === 0) lines.push('  already there; nothing to change');
  else if (!dryRun) lines.push(`  written to ${r.configFile}; a running proxy applies it on reload`);
  return `${lines.join('\n')}\n`;
}

export function renderRouteStatus(r: RouteStatusResult): string {
  const lines = [`proxy (${r.proxy.admin}): ${r.proxy.reachable ? `running since ${r.proxy.status!.startedAt}` : r.proxy.error ?? 'unreachable'}`];
  if (r.proxy.status?.lastReloadError) lines.push(`  last reload rejected: ${r.proxy.status.lastReloadError}`);
  for (const c of r.contexts) {
    const eff = c.effective ? `applied: ${describe(c.effective.effective)}` : 'applied: -';
    lines.push(`${c.domain}: desired ${describe(c.desired)}, ${eff}, ${c.routes} routes -> ${c.serviceUrl ?? 'no service.url'}`);
    if (c.effective) {
      const e = c.effective;
      lines.push(`  requests monolith ${e.requests.monolith}, service ${e.requests.service}; 5xx monolith ${e.errors5xx.monolith}, service ${e.errors5xx.service}; shadow ${e.shadow.compared} compared, ${e.shadow.mismatches} mismatches`);
      if (e.serviceEjectedUntil) lines.push(`  service ejected until ${e.serviceEjectedUntil}`);
      for (const rb of e.rollbacks) lines.push(`  rolled back at ${rb.at}: ${describe(rb.from)} -> ${describe(rb.to)}: ${rb.reason}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
