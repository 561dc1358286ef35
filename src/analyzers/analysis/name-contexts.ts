/**
 * Context names from the evidence itself: the words that recur in a context's route prefixes (`/carts/...`,
 * `/admin/reports/...`), code module file names (`cart-controller.ts`), sqlcommenter `module=`/`controller=` tags
 * and table name stems (`stock_levels`, `stock_movements`). Words are compared by a light stem, so `report`,
 * `reports` and `reporting` vote together; the most frequent spelling names the context.
 */

export interface NamingEvidence {
  tables: string[];
  modules: string[];
  routes: string[];
  /** sqlcommenter module/controller tag values seen on the context's statements, with counts. */
  tags?: Record<string, number>;
}

/** Path segments and file-name parts that say nothing about a domain. */
const GENERIC = new Set([
  'admin', 'api', 'app', 'index', 'internal', 'public', 'private', 'rest', 'v1', 'v2', 'v3', 'lib', 'src', 'util', 'utils', 'common', 'core', 'shared',
  'controller', 'controllers', 'service', 'services', 'model', 'models', 'repository', 'repositories', 'repo', 'handler', 'handlers', 'route', 'routes',
  'router', 'dao', 'entity', 'entities', 'module', 'view', 'views', 'helper', 'helpers', 'manager', 'impl', 'items', 'item',
]);

/** Lower-case words of a name (`payment-gateway.ts` -> payment, gateway; `OrderItems` -> order, items). */
export function words(name: string): string[] {
  return name
    .replace(/\.[a-z]+$/i, '')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length >= 3 && !/^\d+$/.test(w) && !GENERIC.has(w));
}

/** A light stem: plural and verb endings dropped (`categories` -> categor, `reporting` -> report). */
export function stem(word: string): string {
  return word.replace(/(ies|ing|ers|er|es|s)$/, '').slice(0, 8);
}

/** A readable singular for a stem's most frequent spelling (`orders` -> order, `categories` -> category). */
function singular(word: string): string {
  if (/ies$/.test(word)) return word.replace(/ies$/, 'y');
  if (/(ss|us)$/.test(word)) return word;
  if (/(ches|shes|xes)$/.test(word)) return word.slice(0, -2);
  return word.replace(/s$/, '');
}

/** Candidate names for one context, best first (score, then alphabetical). */
export function nameCandidates(e: NamingEvidence): string[] {
  const votes = new Map<string, { score: number; spellings: Map<string, number> }>();
  const vote = (word: string, score: number) => {
    const key = stem(word);
    const v = votes.get(key) ?? { score: 0, spellings: new Map() };
    v.score += score;
    v.spellings.set(word, (v.spellings.get(word) ?? 0) + score);
    votes.set(key, v);
  };
  // Route prefix: the first static segment that is not generic (`/admin/reports/sales` -> reports).
  for (const route of e.routes) {
    const segment = route.replace(/^[A-Z]+\s+/, '').split('/').filter((s) => s && !s.startsWith(':') && !s.startsWith('{')).flatMap(words)[0];
    if (segment) vote(segment, 1);
  }
  // Module file names: the first meaningful word (`cart-controller.ts` -> cart; `payment-gateway.ts` -> payment).
  for (const m of e.modules) {
    const first = words(m.replace(/^.*\//, ''))[0];
    if (first) vote(first, 2);
  }
  // sqlcommenter tags: each distinct value.
  for (const tag of Object.keys(e.tags ?? {})) {
    const first = words(tag)[0];
    if (first) vote(first, 2);
  }
  // Table stems: the first word of each table (`stock_levels` -> stock).
  for (const t of e.tables) {
    const first = words(t.replace(/^.*\./, ''))[0];
    if (first) vote(first, 1);
  }
  return [...votes.values()]
    .map((v) => ({ score: v.score, name: [...v.spellings].sort((a, b) => b[1] - a[1] || a[0].length - b[0].length || a[0].localeCompare(b[0]))[0]![0] }))
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name))
    .map((c) => singular(c.name).replace(/[^a-z0-9_-]/g, '_'))
    .filter((n, i, all) => /^[a-z]/.test(n) && all.indexOf(n) === i);
}

/**
 * Unique names for several contexts, in the given order (larger contexts first get first pick): each takes its best
 * candidate not yet taken, else its best candidate with a number, else `context-<n>`.
 */
export function nameContexts(contexts: NamingEvidence[]): string[] {
  const used = new Set<string>();
  return contexts.map((c, i) => {
    const candidates = nameCandidates(c);
    let name = candidates.find((n) => !used.has(n));
    if (!name) {
      const base = candidates[0] ?? 'context';
      let k = candidates[0] ? 2 : i + 1;
      while (used.has(`${base}-${k}`)) k++;
      name = `${base}-${k}`;
    }
    used.add(name);
    return name;
  });
}
