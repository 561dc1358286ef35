/**
 * The DDL that recreates a context's tables from their catalog model, in dependency order: schemas, enum and
 * domain types, serial sequences, tables (identity, defaults, generated columns, partitioning), partitions,
 * primary key / unique / check / exclusion constraints, indexes, then foreign keys between the context's own
 * tables. A foreign key to a table outside the context is not copied: it is returned as a seam. Pure.
 */
import type { Seam } from '../code-move/contract.ts';
import type { CatalogColumn, CatalogDomain, CatalogModel, CatalogSequence, CatalogTable } from './catalog-model.ts';
import { tableKey } from './catalog-model.ts';

export const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;
const q = (schema: string, name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

export interface SchemaDdl {
  up: string[];
  down: string[];
  seams: Seam[];
}

export function schemaDdl(model: CatalogModel, options: { ownerOf?: (table: string) => string | undefined } = {}): SchemaDdl {
  const owned = new Set(model.tables.map((t) => tableKey(t.schema, t.name)));
  const up: string[] = [];
  const schemas = new Set([...model.types.map((t) => t.schema), ...model.sequences.map((s) => s.schema), ...model.tables.map((t) => t.schema)]);
  for (const s of [...schemas].sort()) if (s !== 'public') up.push(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s)}`);
  for (const t of model.types) up.push(t.kind === 'enum' ? `CREATE TYPE ${q(t.schema, t.name)} AS ENUM (${t.labels.map(literal).join(', ')})` : createDomain(t));
  for (const s of model.sequences) up.push(createSequence(s));
  for (const t of model.tables) up.push(createTable(t));
  for (const s of model.sequences) if (s.ownedBy) up.push(`ALTER SEQUENCE ${q(s.schema, s.name)} OWNED BY ${ownedByTarget(model, s)}`);
  for (const t of model.tables) {
    for (const c of t.constraints) if (c.type !== 'f') up.push(`ALTER TABLE ${q(t.schema, t.name)} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.definition}`);
    for (const i of t.indexes) up.push(i.definition.replace(/ ON ONLY /, ' ON '));
  }
  const seams: Seam[] = [];
  for (const t of model.tables) {
    for (const c of t.constraints.filter((x) => x.type === 'f')) {
      if (owned.has(c.references!.table)) {
        up.push(`ALTER TABLE ${q(t.schema, t.name)} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.definition}`);
        continue;
      }
      const from = `${tableKey(t.schema, t.name)}.${c.columns.join(',')}`;
      const to = `${c.references!.table}.${c.references!.columns.join(',')}`;
      const other = options.ownerOf?.(c.references!.table);
      seams.push({
        kind: 'foreignKey',
        from,
        to,
        ...(other ? { otherContext: other } : {}),
        detail: `foreign key ${c.name} (${from} -> ${to}) points outside the context; not copied into the service schema`,
        suggestion: `keep ${c.columns.join(', ')} as a plain reference and check it through ${other ? `the ${other} service's API` : 'the owner of ' + c.references!.table} (or an event it publishes)`,
      });
    }
  }
  return { up, down: downStatements(model), seams };
}

function createDomain(d: CatalogDomain): string {
  const parts = [`CREATE DOMAIN ${q(d.schema, d.name)} AS ${d.baseType}`];
  if (d.defaultExpr !== undefined) parts.push(`DEFAULT ${d.defaultExpr}`);
  if (d.notNull) parts.push('NOT NULL');
  for (const c of d.checks) parts.push(`CONSTRAINT ${quoteIdent(c.name)} ${c.definition}`);
  return parts.join(' ');
}

function sequenceOptions(s: CatalogSequence): string {
  return `AS ${s.dataType} START WITH ${s.start} INCREMENT BY ${s.increment} MINVALUE ${s.min} MAXVALUE ${s.max} CACHE ${s.cache}${s.cycle ? ' CYCLE' : ' NO CYCLE'}`;
}

function createSequence(s: CatalogSequence): string {
  return `CREATE SEQUENCE ${q(s.schema, s.name)} ${sequenceOptions(s)}`;
}

function ownedByTarget(model: CatalogModel, s: CatalogSequence): string {
  const [table, column] = splitOwner(s.ownedBy!);
  const t = model.tables.find((x) => x.name === table);
  return `${q(t?.schema ?? s.schema, table)}.${quoteIdent(column)}`;
}

/** `"weird.table".col` / `table.col` (format('%I.%I')) -> [table, column]. */
function splitOwner(owner: string): [string, string] {
  const m = /^("(?:[^"]|"")+"|[^.]+)\.("(?:[^"]|"")+"|.+)$/.exec(owner)!;
  const unq = (x: string) => (x.startsWith('"') ? x.slice(1, -1).replace(/""/g, '"') : x);
  return [unq(m[1]!), unq(m[2]!)];
}

function columnDef(c: CatalogColumn, partition: boolean): string {
  const parts = [quoteIdent(c.name), c.type];
  if (c.generatedExpr !== undefined) parts.push(`GENERATED ALWAYS AS (${c.generatedExpr}) STORED`);
  else if (c.identity && !partition) {
    const s = c.identitySequence;
    parts.push(`GENERATED ${c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY${s ? ` (SEQUENCE NAME ${q(s.schema, s.name)} START WITH ${s.start} INCREMENT BY ${s.increment} MINVALUE ${s.min} MAXVALUE ${s.max} CACHE ${s.cache}${s.cycle ? ' CYCLE' : ''})` : ''}`);
  } else if (c.defaultExpr !== undefined) parts.push(`DEFAULT ${c.defaultExpr}`);
  if (c.notNull) parts.push('NOT NULL');
  return parts.join(' ');
}

function createTable(t: CatalogTable): string {
  if (t.partitionOf) {
    const [schema, name] = t.partitionOf.parent.split('.') as [string, string];
    const unq = (x: string) => (x.startsWith('"') ? x.slice(1, -1).replace(/""/g, '"') : x);
    const sub = t.partitionKey ? ` PARTITION BY ${t.partitionKey}` : '';
    return `CREATE TABLE ${q(t.schema, t.name)} PARTITION OF ${q(unq(schema), unq(name))} ${t.partitionOf.bound}${sub}`;
  }
  const cols = t.columns.map((c) => `  ${columnDef(c, false)}`).join(',\n');
  return `CREATE TABLE ${q(t.schema, t.name)} (\n${cols}\n)${t.partitionKey ? ` PARTITION BY ${t.partitionKey}` : ''}`;
}

function downStatements(model: CatalogModel): string[] {
  const down = model.tables.filter((t) => !t.partitionOf).reverse().map((t) => `DROP TABLE IF EXISTS ${q(t.schema, t.name)} CASCADE`);
  for (const s of [...model.sequences].reverse()) down.push(`DROP SEQUENCE IF EXISTS ${q(s.schema, s.name)}`);
  for (const t of [...model.types].reverse()) down.push(`${t.kind === 'enum' ? 'DROP TYPE' : 'DROP DOMAIN'} IF EXISTS ${q(t.schema, t.name)}`);
  return down;
}

/** A knex migration (TypeScript) that runs the statements; statements are string literals, never interpolated. */
export function renderKnexMigration(ddl: SchemaDdl, header: string): string {
  const lines = (stmts: string[]) => stmts.map((s) => `  await knex.raw(${JSON.stringify(s)});`).join('\n');
  return `// ${header}\n// Generated by strangler extract from the monolith's catalog; edit it like any migration.\nimport type { Knex } from 'knex';\n\nexport async function up(knex: Knex): Promise<void> {\n${lines(ddl.up)}\n}\n\nexport async function down(knex: Knex): Promise<void> {\n${lines(ddl.down)}\n}\n`;
}
