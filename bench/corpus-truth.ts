/**
 * What a backend's code holds, counted with plain regular expressions over its text, independently of the
 * scanner: the tables it declares (TypeORM/MikroORM entities and join tables, sequelize-typescript tables,
 * Sequelize `define`, Prisma models, migrations' `createTable` and `CREATE TABLE`) and its route registrations
 * (express/koa/fastify methods with a literal path, `.route()` chains, NestJS method decorators, fastify/hapi
 * route objects, Next.js API files). Used by `bench/corpus.ts` as the reference the scanner is measured against.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface TruthRoute {
  file: string;
  line: number;
  method: string;
}

export interface Truth {
  files: number;
  lines: number;
  tables: Map<string, string>;
  routes: TruthRoute[];
}

const SOURCE = /\.(ts|tsx|js|jsx|mjs|cjs|mts|cts)$/;
const SKIP = /(^|\/)(node_modules|dist|build|coverage|test|tests|__tests__|__mocks__|\.git)(\/|$)|\.(test|spec)\.[cm]?[jt]sx?$|\.d\.ts$/;

const snake = (s: string) => s.replace(/([A-Z])([A-Z])([a-z])/g, '$1_$2$3').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const lineAt = (text: string, index: number) => text.slice(0, index).split('\n').length;

/** Entity class -> table, and default-named join tables waiting for their target's table. */
const entityTable = new Map<string, string>();
const pendingJoins: { owner: string; property: string; target: string; why: string }[] = [];

function entityTables(text: string, add: (t: string, why: string) => void, file: string): void {
  for (const m of text.matchAll(/@Entity\(\s*(?:['"`]([\w.]+)['"`]|\{[^}]*?(?:tableName|name)\s*:\s*['"`]([\w.]+)['"`][^}]*\})?[^)]*\)\s*(?:@\w+(?:\([^)]*\))?\s*)*(?:export\s+)?(?:default\s+)?(?:abstract\s+)?class\s+(\w+)/g)) {
    const table = m[1] ?? m[2] ?? snake(m[3]!);
    entityTable.set(m[3]!, table);
    add(table, `${file}:${lineAt(text, m.index)} @Entity ${m[3]}`);
    // @JoinTable({ name }) / @JoinTable() on a property `prop: Target[]` of this entity.
    const body = text.slice(m.index, text.indexOf('\n}', m.index) + 2 || undefined);
    for (const j of body.matchAll(/@JoinTable\(\s*(\{[^)]*\})?\s*\)[\s\S]*?(\w+)\s*[!?]?\s*:\s*(\w+)\[\]/g)) {
      const named = j[1] && /name\s*:\s*['"`](\w+)['"`]/.exec(j[1]);
      if (named) add(named[1]!, `${file} @JoinTable ${j[2]}`);
      else pendingJoins.push({ owner: table, property: j[2]!, target: j[3]!, why: `${file} @JoinTable ${j[2]}` });
    }
  }
}

/** MikroORM: an owning `@ManyToMany(() => X)` (no mappedBy / inverse side) has a pivot `<owner>_<property>`. */
function mikroPivots(text: string, file: string): void {
  const cls = /@Entity\([^)]*\)\s*(?:export\s+)?(?:abstract\s+)?class\s+(\w+)/.exec(text);
  if (!cls) return;
  for (const m of text.matchAll(/@ManyToMany\(([^)]*(?:\)[^)]*)?)\)\s*(\w+)/g)) {
    if (/mappedBy|=>\s*\w+\s*,\s*\w+\s*=>/.test(m[1]!)) continue;
    const pivot = /pivotTable\s*:\s*['"`](\w+)['"`]/.exec(m[1]!)?.[1];
    mikroPending.push({ owner: cls[1]!, property: m[2]!, ...(pivot ? { pivot } : {}), why: `${file}:${lineAt(text, m.index)} @ManyToMany ${m[2]}` });
  }
}
const mikroPending: { owner: string; property: string; pivot?: string; why: string }[] = [];

function tablesOf(text: string, file: string, add: (t: string, why: string) => void): void {
  if (text.includes('@Entity(')) entityTables(text, add, file);
  if (/@mikro-orm/.test(text)) mikroPivots(text, file);
  for (const m of text.matchAll(/@Table\(\s*\{[^)]*?tableName\s*:\s*['"`]([\w.]+)['"`]/g)) add(m[1]!, `${file}:${lineAt(text, m.index)} @Table`);
  for (const m of text.matchAll(/\b(?:createTable|createTableIfNotExists)\(\s*['"`]([\w.]+)['"`]/g)) add(m[1]!, `${file}:${lineAt(text, m.index)} createTable`);
  for (const m of text.matchAll(/CREATE TABLE\s+(?:IF NOT EXISTS\s+)?(?:"?public"?\.)?"?(\w+)"?/gi)) add(m[1]!, `${file}:${lineAt(text, m.index)} CREATE TABLE`);
  // sequelize.define('user', …) without tableName: Sequelize's plural of the model name.
  for (const m of text.matchAll(/\bsequelize\.define\(\s*['"`](\w+)['"`]/g)) {
    const call = balancedCall(text, m.index + m[0].indexOf('('));
    if (/tableName\s*:|freezeTableName\s*:\s*true/.test(call)) continue;
    add(/[^aeiou]y$/.test(m[1]!) ? `${m[1]!.slice(0, -1)}ies` : /(s|x|ch|sh)$/.test(m[1]!) ? `${m[1]}es` : `${m[1]}s`, `${file}:${lineAt(text, m.index)} define ${m[1]}`);
  }
  for (const m of text.matchAll(/tableName\s*:\s*['"`](\w+)['"`]/g)) if (/sequelize|Model\.init|\.define\(/i.test(text)) add(m[1]!, `${file}:${lineAt(text, m.index)} tableName`);
  // Sequelize belongsToMany with a string `through`: a join table of that very name.
  for (const m of text.matchAll(/\.belongsToMany\([^;]*?\bthrough\s*:\s*['"`](\w+)['"`]/g)) add(m[1]!, `${file}:${lineAt(text, m.index)} through`);
  for (const m of text.matchAll(/@BelongsToMany\(\s*\(\)\s*=>\s*\w+\s*,\s*['"`](\w+)['"`]/g)) add(m[1]!, `${file}:${lineAt(text, m.index)} @BelongsToMany through`);
  // Objection: static tableName = 'x' / static get tableName() { return 'x' }.
  for (const m of text.matchAll(/static\s+(?:get\s+tableName\s*\(\s*\)\s*\{\s*return\s+|tableName\s*=\s*)['"`](\w+)['"`]/g)) add(m[1]!, `${file}:${lineAt(text, m.index)} static tableName`);
}

/** The text of a call from its opening parenthesis to the matching close (strings not parsed: good enough here). */
function balancedCall(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(open, i + 1);
  }
  return text.slice(open);
}

interface PrismaList { model: string; field: string; target: string; relation?: string }

function prismaTables(text: string, file: string, add: (t: string, why: string) => void, lists: PrismaList[]): void {
  for (const m of text.matchAll(/^model\s+(\w+)\s*\{([^}]*)\}/gm)) {
    const mapped = /@@map\(\s*(?:name\s*:\s*)?"(\w+)"/.exec(m[2]!);
    add(mapped ? mapped[1]! : m[1]!, `${file}:${lineAt(text, m.index)} model ${m[1]}`);
    for (const f of m[2]!.matchAll(/^\s*(\w+)\s+(\w+)\[\](.*)$/gm)) {
      const relation = /@relation\(\s*(?:name\s*:\s*)?"(\w+)"/.exec(f[3]!)?.[1];
      lists.push({ model: m[1]!, field: f[1]!, target: f[2]!, ...(relation ? { relation } : {}) });
    }
  }
}

/** Implicit many-to-many: list fields on both sides (same relation name) make Prisma's `_AToB` / `_Name` table. */
function prismaJoinTables(lists: PrismaList[], add: (t: string, why: string) => void): void {
  for (const a of lists) {
    const back = lists.find((b) => b !== a && b.model === a.target && b.target === a.model && b.relation === a.relation);
    if (!back) continue;
    const [x, y] = [a.model, a.target].sort();
    add(a.relation ? `_${a.relation}` : `_${x}To${y}`, `schema.prisma implicit m2m ${a.model}.${a.field}`);
  }
}

const VERB = '(get|post|put|patch|delete|del|all|head|options)';
const RECEIVER = /^(app|router|api|server|r|fastify|instance|route|routes|\w*[Rr]outer|\w*[Aa]pp|\w*[Ss]erver)$/;

function routesOf(text: string, file: string, out: TruthRoute[]): void {
  for (const m of text.matchAll(new RegExp(`\\b([\\w$]+)\\s*\\.\\s*${VERB}\\(\\s*(?:['"\`][\\w.-]*['"\`]\\s*,\\s*)?['"\`]([^'"\`\\s]*)['"\`]\\s*,`, 'g'))) {
    if (!RECEIVER.test(m[1]!) || m[2] === 'del' || m[3]!.includes('${')) continue;
    out.push({ file, line: lineAt(text, m.index), method: m[2]!.toUpperCase() });
  }
  // Chained on a call: `module.exports = Router().get('/a', h).post('/b', h)`.
  if (/\bRouter\(/.test(text)) {
    for (const m of text.matchAll(new RegExp(`\\)\\s*\\.\\s*${VERB}\\(\\s*['"\`]([^'"\`\\s]*)['"\`]\\s*,`, 'g'))) {
      if (m[1] === 'del' || m[2]!.includes('${')) continue;
      out.push({ file, line: lineAt(text, m.index + m[0].indexOf('.')), method: m[1]!.toUpperCase() });
    }
  }
  for (const m of text.matchAll(/\.route\(\s*['"`][^'"`]+['"`]\s*\)((?:\s*\.\s*(?:get|post|put|patch|delete|all)\((?:[^()]|\([^()]*\))*\))+)/g)) {
    for (const v of m[1]!.matchAll(/\.\s*(get|post|put|patch|delete|all)\(/g)) out.push({ file, line: lineAt(text, m.index + m[0].indexOf(v[0])), method: v[1]!.toUpperCase() });
  }
  if (text.includes('@Controller')) {
    for (const m of text.matchAll(/@(Get|Post|Put|Patch|Delete|All|Head|Options)\(/g)) out.push({ file, line: lineAt(text, m.index), method: m[1]!.toUpperCase() });
  }
  for (const m of text.matchAll(/\.route\(\s*\{[^}]*?method\s*:\s*(\[[^\]]*\]|['"`]\w+['"`])/g)) {
    for (const v of m[1]!.matchAll(/['"`](\w+|\*)['"`]/g)) out.push({ file, line: lineAt(text, m.index), method: v[1] === '*' ? 'ALL' : v[1]!.toUpperCase() });
  }
  if (/(^|\/)pages\/api\//.test(file) && /export\s+default/.test(text)) out.push({ file, line: 1, method: 'ALL' });
  if (/(^|\/)app\/(.*\/)?route\.[cm]?[jt]sx?$/.test(file)) {
    for (const m of text.matchAll(/export\s+(?:async\s+)?(?:function|const)\s+(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\b/g)) out.push({ file, line: lineAt(text, m.index), method: m[1]! });
  }
}

export async function countTruth(root: string): Promise<Truth> {
  const truth: Truth = { files: 0, lines: 0, tables: new Map(), routes: [] };
  entityTable.clear();
  pendingJoins.length = 0;
  mikroPending.length = 0;
  const prismaLists: PrismaList[] = [];
  const add = (t: string, why: string) => {
    const name = t.toLowerCase().replace(/^public\./, '');
    if (!truth.tables.has(name)) truth.tables.set(name, why);
  };
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const file = path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/');
    if (SKIP.test(file)) continue;
    if (e.name.endsWith('.prisma')) prismaTables(await readFile(path.join(root, file), 'utf8'), file, add, prismaLists);
    if (!SOURCE.test(e.name)) continue;
    const text = await readFile(path.join(root, file), 'utf8');
    if (text.length > 2_000_000) continue;
    truth.files++;
    truth.lines += text.split('\n').length;
    tablesOf(text, file, add);
    routesOf(text, file, truth.routes);
  }
  for (const j of pendingJoins) add(snake(`${j.owner}_${j.property}_${entityTable.get(j.target) ?? snake(j.target)}`), j.why);
  for (const p of mikroPending) add(p.pivot ?? `${entityTable.get(p.owner) ?? snake(p.owner)}_${snake(p.property)}`, p.why);
  prismaJoinTables(prismaLists, add);
  return truth;
}
