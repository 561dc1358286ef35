/**
 * `strangler route export <domain|--all> --format nginx|haproxy|kong|istio [--out file]`: the production gateway's
 * configuration from the same route table the proxy uses. Options -> the gateway model
 * (src/generators/gateway/gateway-model.ts) -> one renderer -> stdout, or --out through the file plan (written to a
 * temporary file, then renamed: nothing half-written; a file edited since strangler wrote it is kept unless --force).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../config/load-config.ts';
import { UsageError } from '../errors.ts';
import { planOnDisk, writeFilePlan } from '../generators/file-plan/apply-plan.ts';
import { buildGatewayModel, gatewayFormats, type GatewayFormat } from '../generators/gateway/gateway-model.ts';
import type { RouteExportResult } from '../generators/gateway/export-result.ts';
import { renderGateway } from '../generators/gateway/render-gateway.ts';

export type { RouteExportResult };

export interface RouteExportOptions {
  configFile: string;
  domain?: string;
  all?: boolean;
  format?: string;
  out?: string;
  force?: boolean;
}


export function parseFormat(format: string | undefined): GatewayFormat {
  if (format === undefined) throw new UsageError('--format is required', `one of ${gatewayFormats.join(', ')}, e.g. strangler route export catalog --format nginx`);
  const f = format.trim().toLowerCase();
  if (!(gatewayFormats as readonly string[]).includes(f)) throw new UsageError(`--format: unknown gateway format "${format}"`, `use one of ${gatewayFormats.join(', ')}`);
  return f as GatewayFormat;
}

function checkTarget(o: RouteExportOptions): void {
  if (o.all && o.domain !== undefined) throw new UsageError(`give either a context (${o.domain}) or --all, not both`, 'e.g. strangler route export --all --format nginx');
  if (!o.all && o.domain === undefined) throw new UsageError('which context? give its name or --all', 'e.g. strangler route export catalog --format nginx');
}

async function writeOut(out: string, text: string, force: boolean): Promise<string> {
  const file = path.resolve(out);
  const existing = await stat(file).catch(() => undefined);
  if (existing?.isDirectory()) throw new UsageError(`--out ${out} is a folder`, 'give the path of the file to write, e.g. --out deploy/gateway/strangler.conf');
  const desired = [{ path: path.basename(file), contents: text }];
  const { plan } = await planOnDisk(path.dirname(file), desired, { force });
  const skipped = plan.files.find((f) => f.action === 'skip');
  if (skipped) throw new UsageError(`--out ${out}: ${skipped.reason.replace(/;.*$/, '')}, so it was not overwritten`, 'pass --force to overwrite it, or choose another --out');
  await writeFilePlan(path.dirname(file), desired, { force, dryRun: false });
  return file;
}

export async function runRouteExport(o: RouteExportOptions): Promise<RouteExportResult> {
  const format = parseFormat(o.format);
  checkTarget(o);
  const loaded = await loadConfig(o.configFile);
  const model = buildGatewayModel(loaded.config, { domain: o.all ? undefined : o.domain, file: o.configFile });
  const { text, warnings } = renderGateway(format, model);
  const out = o.out !== undefined ? await writeOut(o.out, text, Boolean(o.force)) : undefined;
  return {
    format,
    contexts: model.contexts,
    rules: model.rules.map((r) => ({ context: r.context, route: r.route, mode: r.mode, percent: r.percent })),
    text,
    ...(out ? { out } : {}),
    written: out !== undefined,
    warnings,
  };
}
