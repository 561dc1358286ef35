/** Text of `strangler route export`: the configuration itself on stdout, or one line naming the file written. */
import type { RouteExportResult } from '../generators/gateway/export-result.ts';

export function renderRouteExport(r: RouteExportResult): string {
  if (!r.out) return r.text;
  const counts = new Map<string, number>();
  for (const x of r.rules) counts.set(x.mode, (counts.get(x.mode) ?? 0) + 1);
  const modes = [...counts].map(([mode, n]) => `${n} ${mode}`).join(', ');
  return `wrote ${r.format} configuration for ${r.contexts.join(', ')} (${r.rules.length} routes: ${modes}) to ${r.out}\n`;
}

/** What the format could not express, one line each (stderr). */
export function renderRouteExportWarnings(r: RouteExportResult): string {
  return r.warnings.map((w) => `warning: ${w}\n`).join('');
}
