/**
 * The catalog model of a context's tables, as `strangler extract` reads it from the monolith's database: enough to
 * recreate the tables exactly (types, domains, sequences, columns, constraints, indexes, partitions), and to compare
 * two databases' definitions of the same tables. Plain data: no oids, names as PostgreSQL prints them.
 */

export interface CatalogEnum {
  kind: 'enum';
  schema: string;
  name: string;
  labels: string[];
}

export interface CatalogDomain {
  kind: 'domain';
  schema: string;
  name: string;
  /** format_type() of the base type. */
  baseType: string;
  notNull: boolean;
  defaultExpr?: string;
  /** `name`, pg_get_constraintdef() of each CHECK. */
  checks: { name: string; definition: string }[];
}

export type CatalogType = CatalogEnum | CatalogDomain;

export interface CatalogSequence {
  schema: string;
  name: string;
  dataType: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  /** `table.column` that owns it (serial), when any. */
  ownedBy?: string;
}

export interface CatalogColumn {
  name: string;
  type: string;
  notNull: boolean;
  defaultExpr?: string;
  /** 'a' ALWAYS / 'd' BY DEFAULT identity, '' none. */
  identity: '' | 'a' | 'd';
  identitySequence?: CatalogSequence;
  /** Expression of a stored generated column. */
  generatedExpr?: string;
}

export interface CatalogConstraint {
  name: string;
  /** p primary key, u unique, c check, f foreign key, x exclusion. */
  type: 'p' | 'u' | 'c' | 'f' | 'x';
  definition: string;
  columns: string[];
  /** Foreign keys: the referenced table (analyzer naming: `table` in public, `schema.table` elsewhere). */
  references?: { table: string; columns: string[] };
}

export interface CatalogTable {
  schema: string;
  name: string;
  columns: CatalogColumn[];
  constraints: CatalogConstraint[];
  /** CREATE INDEX statements of the indexes that back no constraint. */
  indexes: { name: string; definition: string }[];
  /** pg_get_partkeydef() of a partitioned table. */
  partitionKey?: string;
  /** Partitions: `FOR VALUES ...` of this table in its parent. */
  partitionOf?: { parent: string; bound: string };
}

export interface CatalogModel {
  types: CatalogType[];
  /** Sequences owned by serial columns or standing alone in a default (identity sequences live on their column). */
  sequences: CatalogSequence[];
  /** Parents before their partitions. */
  tables: CatalogTable[];
  /** Tables asked for that do not exist. */
  missing: string[];
}

export const tableKey = (schema: string, name: string) => (schema === 'public' ? name : `${schema}.${name}`);
