/** Reads a partition file: analysis.yaml, a ground truth such as the sample's domains.yaml, or strangler.yaml contexts. */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../../errors.ts';
import type { Partition } from '../types.ts';

const contextSchema = z.object({
  tables: z.array(z.string()).default([]),
  modules: z.array(z.string()).default([]),
  routes: z.array(z.string()).default([]),
});

const partitionSchema = z.object({
  contexts: z.record(z.string(), contextSchema.passthrough()),
  shared: z.array(z.union([z.string(), z.object({ table: z.string() }).passthrough()])).default([]),
  sharedModules: z.array(z.string()).optional(),
});

export async function readPartition(file: string): Promise<Partition> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? e})`, 'pass an existing analysis.yaml or ground-truth file');
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new UsageError(`${file}: invalid YAML (${(e as Error).message.split('\n')[0]})`, 'fix the YAML syntax');
  }
  const result = partitionSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new UsageError(`${file}: ${issue.path.join('.') || 'top level'}: ${issue.message}`, 'expected { contexts: { name: { tables, modules, routes } }, shared: [tables] }');
  }
  const contexts: Partition['contexts'] = {};
  for (const [name, c] of Object.entries(result.data.contexts)) contexts[name] = { tables: c.tables, modules: c.modules, routes: c.routes };
  return {
    contexts,
    shared: result.data.shared.map((s) => (typeof s === 'string' ? s : s.table)),
    ...(result.data.sharedModules ? { sharedModules: result.data.sharedModules } : {}),
  };
}
