/**
 * Edits of strangler.yaml that keep the user's comments, key order and hand edits (the yaml library's Document
 * API): adopting contexts from an analysis, and recording an extracted service. Pure: text in, text out.
 */
import { isMap, isSeq, parseDocument, YAMLMap, type Document } from 'yaml';
import { ConfigError } from '../../errors.ts';

export interface AdoptedContext {
  tables: string[];
  modules: string[];
  routes: string[];
}

export type AdoptAction = 'add' | 'update' | 'keep' | 'same';

export interface AdoptOutcome {
  name: string;
  action: AdoptAction;
  reason: string;
}

function load(text: string, file: string): Document {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new ConfigError(`${file}: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`, 'fix the YAML syntax first');
  if (doc.contents !== null && !isMap(doc.contents)) throw new ConfigError(`${file}: the top level is not a mapping`, 'start from `strangler init`');
  return doc;
}

/** The `contexts:` map as a block mapping (an empty flow `{}` from `init` becomes a block map). */
function contextsMap(doc: Document): YAMLMap {
  const node = doc.get('contexts', true);
  if (isMap(node) && (node.items.length > 0 || !node.flow)) return node;
  const map = new YAMLMap();
  if (isMap(node)) map.commentBefore = node.commentBefore;
  doc.set('contexts', map);
  return map;
}

const list = (doc: Document, items: string[]) => {
  const node = doc.createNode(items);
  node.flow = items.length <= 6 && items.every((i) => !i.includes(' '));
  return node;
};

function sameLists(existing: YAMLMap, c: AdoptedContext): boolean {
  return (['tables', 'modules', 'routes'] as const).every((k) => {
    const node = existing.get(k, true);
    const current = isSeq(node) ? (node.toJSON() as unknown[]) : [];
    return JSON.stringify(current) === JSON.stringify(c[k]);
  });
}

/**
 * Writes each context's tables, modules and routes. A new context is added; an existing one keeps everything
 * (phase, service, sync, comments) and has its three lists replaced only with `update`.
 */
export function adoptContexts(text: string, file: string, adopted: Record<string, AdoptedContext>, options: { update: boolean }): { text: string; outcomes: AdoptOutcome[] } {
  const doc = load(text, file);
  const contexts = contextsMap(doc);
  const outcomes: AdoptOutcome[] = [];
  for (const [name, c] of Object.entries(adopted)) {
    const existing = contexts.get(name, true);
    if (isMap(existing)) {
      if (sameLists(existing, c)) outcomes.push({ name, action: 'same', reason: 'already as in the analysis' });
      else if (!options.update) outcomes.push({ name, action: 'keep', reason: 'already in strangler.yaml with other lists; --update replaces its tables, modules and routes' });
      else {
        for (const k of ['tables', 'modules', 'routes'] as const) existing.set(k, list(doc, c[k]));
        outcomes.push({ name, action: 'update', reason: 'tables, modules and routes replaced; the rest kept' });
      }
      continue;
    }
    const map = new YAMLMap();
    for (const k of ['tables', 'modules', 'routes'] as const) map.set(k, list(doc, c[k]));
    map.set('phase', 'analyzed');
    contexts.set(name, map);
    outcomes.push({ name, action: 'add', reason: 'new context' });
  }
  return { text: doc.toString({ lineWidth: 0 }), outcomes };
}

export interface ExtractedService {
  path: string;
  databaseEnv: string;
  url?: string;
}

/** Records the generated service of a context and moves its phase to `extracted` (a later phase is kept). */
export function recordExtraction(text: string, file: string, domain: string, service: ExtractedService): string {
  const doc = load(text, file);
  const context = contextsMap(doc).get(domain, true);
  if (!isMap(context)) throw new ConfigError(`${file}: no context "${domain}"`, 'add it first with `strangler context add`');
  const phase = String(context.get('phase') ?? 'analyzed');
  if (phase === 'analyzed') context.set('phase', 'extracted');
  const found: unknown = context.get('service', true);
  let s: YAMLMap;
  if (isMap(found)) s = found;
  else {
    s = new YAMLMap();
    context.set('service', s);
  }
  s.set('path', service.path);
  s.set('databaseEnv', service.databaseEnv);
  if (service.url && !s.has('url')) s.set('url', service.url);
  return doc.toString({ lineWidth: 0 });
}
