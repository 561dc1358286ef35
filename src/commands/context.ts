/**
 * `strangler context add [names...]`: carries contexts of an analysis (analysis.yaml) into strangler.yaml, the file
 * extract, sync, route and verify-parity read, keeping its comments and hand edits.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readPartition } from '../analyzers/partition/read-partition.ts';
import { contextSchema } from '../config/schema.ts';
import { ConfigError, UsageError } from '../errors.ts';
import { adoptContexts, type AdoptedContext, type AdoptOutcome } from '../generators/config-edit/edit-plan-file.ts';

export interface ContextAddOptions {
  configFile: string;
  /** analysis.yaml (default strangler-analysis/analysis.yaml next to strangler.yaml). */
  from?: string;
  /** Context names to adopt (default: all of the analysis). */
  names: string[];
  update: boolean;
  dryRun: boolean;
}

export interface ContextAddResult {
  configFile: string;
  from: string;
  outcomes: AdoptOutcome[];
  written: boolean;
}

const SAFE_NAME = /^[a-z][a-z0-9_-]*$/;

export async function runContextAdd(o: ContextAddOptions): Promise<ContextAddResult> {
  const configFile = path.resolve(o.configFile);
  const text = await readFile(configFile, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new ConfigError(`${o.configFile}: cannot be read (${e.code ?? e})`, 'run `strangler init` first, or pass --config <file>');
  });
  const from = path.resolve(path.dirname(configFile), o.from ?? path.join('strangler-analysis', 'analysis.yaml'));
  const partition = await readPartition(from);
  const chosen = chooseContexts(partition.contexts, o.names, from);
  const edited = adoptContexts(text, o.configFile, chosen, { update: o.update });
  const changed = edited.outcomes.some((x) => x.action === 'add' || x.action === 'update');
  if (changed && !o.dryRun) {
    const tmp = `${configFile}.strangler-tmp`;
    await writeFile(tmp, edited.text);
    await rename(tmp, configFile);
  }
  return { configFile, from, outcomes: edited.outcomes, written: changed && !o.dryRun };
}

function chooseContexts(all: Record<string, AdoptedContext>, names: string[], from: string): Record<string, AdoptedContext> {
  const picked = names.length > 0 ? names : Object.keys(all);
  const chosen: Record<string, AdoptedContext> = {};
  for (const name of picked) {
    const c = all[name];
    if (!c) throw new UsageError(`${from}: no context "${name}"`, `contexts in it: ${Object.keys(all).join(', ') || 'none'}`);
    if (!SAFE_NAME.test(name)) throw new UsageError(`${from}: context name "${name}" is not a lower-case name`, 'rename it in analysis.yaml (letters, digits, "_" or "-")');
    const parsed = contextSchema.safeParse(c);
    if (!parsed.success) throw new UsageError(`${from}: contexts.${name}: ${parsed.error.issues[0]!.message}`, 'fix analysis.yaml');
    chosen[name] = { tables: c.tables, modules: c.modules, routes: c.routes };
  }
  return chosen;
}
