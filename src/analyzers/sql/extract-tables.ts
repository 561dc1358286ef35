/**
 * Tables read and written by a SQL statement, from the real PostgreSQL parser (libpg-query). Each distinct
 * statement shape is parsed once: results are cached by fingerprint, and fingerprints by text.
 */
import { fingerprintSync, loadModule, parseSync } from 'libpg-query';
import { ownCopy } from '../own-copy.ts';
import type { TableAccess } from '../types.ts';

let ready: Promise<void> | undefined;

export function initSqlParser(): Promise<void> {
  ready ??= loadModule();
  return ready;
}

export type StatementKind = 'begin' | 'commit' | 'rollback' | 'other';

export interface ParsedStatement {
  fingerprint: string;
  kind: StatementKind;
  access: TableAccess;
}

type Node = Record<string, unknown>;

function tableName(rv: Node): string {
  const rel = String(rv.relname ?? '').toLowerCase();
  const schema = rv.schemaname ? String(rv.schemaname).toLowerCase() : undefined;
  return schema && schema !== 'public' ? `${schema}.${rel}` : rel;
}

/** Walks a parse tree collecting RangeVars; `relation` of INSERT/UPDATE/DELETE/COPY FROM and TRUNCATE targets are writes. */
export function tableAccessOfTree(tree: unknown): TableAccess {
  const read = new Set<string>();
  const written = new Set<string>();
  const ctes = new Set<string>();
  const visit = (node: unknown, writeTarget = false): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n, writeTarget);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const obj = node as Node;
    for (const [key, value] of Object.entries(obj)) {
      if (key === 'CommonTableExpr' && value && typeof value === 'object') ctes.add(String((value as Node).ctename).toLowerCase());
      if (key === 'RangeVar' && value && typeof value === 'object') {
        (writeTarget ? written : read).add(tableName(value as Node));
        continue;
      }
      if (key === 'InsertStmt' || key === 'UpdateStmt' || key === 'DeleteStmt' || key === 'MergeStmt') {
        const stmt = value as Node;
        if (stmt.relation) written.add(tableName(stmt.relation as Node));
        visit({ ...stmt, relation: undefined });
        continue;
      }
      if (key === 'CopyStmt') {
        const stmt = value as Node;
        if (stmt.relation) (stmt.is_from ? written : read).add(tableName(stmt.relation as Node));
        visit({ ...stmt, relation: undefined });
        continue;
      }
      if (key === 'TruncateStmt') {
        visit((value as Node).relations, true);
        continue;
      }
      visit(value, writeTarget);
    }
  };
  visit(tree);
  const drop = (set: Set<string>) => [...set].filter((t) => t && !ctes.has(t)).sort();
  const r = drop(read).filter((t) => !written.has(t));
  const w = drop(written);
  return { read: r, written: w, tables: [...new Set([...r, ...w])].sort() };
}

function kindOf(tree: { stmts?: { stmt?: Node }[] }): StatementKind {
  const stmt = tree.stmts?.[0]?.stmt;
  const tx = stmt?.TransactionStmt as Node | undefined;
  if (!tx) return 'other';
  const k = String(tx.kind);
  if (k === 'TRANS_STMT_BEGIN' || k === 'TRANS_STMT_START') return 'begin';
  if (k === 'TRANS_STMT_COMMIT') return 'commit';
  if (k === 'TRANS_STMT_ROLLBACK') return 'rollback';
  return 'other';
}

const EMPTY: TableAccess = { read: [], written: [], tables: [] };

/**
 * Parses with a shape cache. Call `await initSqlParser()` once first. Throws on SQL the parser rejects (the
 * rejection is cached by text too: a log repeats its unparsable statements as often as the others).
 */
export class StatementParser {
  private readonly byFingerprint = new Map<string, ParsedStatement>();
  private readonly fingerprintByText = new Map<string, string | { rejected: unknown }>();
  /** How many times the parser itself ran (for tests and progress). */
  parses = 0;

  parse(sql: string): ParsedStatement {
    let fp = this.fingerprintByText.get(sql);
    if (fp === undefined) {
      try {
        fp = fingerprintSync(sql);
      } catch (e) {
        fp = { rejected: e };
      }
      if (this.fingerprintByText.size > 50_000) this.fingerprintByText.clear();
      this.fingerprintByText.set(ownCopy(sql), fp);
    }
    if (typeof fp !== 'string') throw fp.rejected;
    const known = this.byFingerprint.get(fp);
    if (known) return known;
    this.parses++;
    const tree = parseSync(sql) as { stmts?: { stmt?: Node }[] };
    const parsed: ParsedStatement = { fingerprint: fp, kind: kindOf(tree), access: tree.stmts?.length ? tableAccessOfTree(tree) : EMPTY };
    this.byFingerprint.set(fp, parsed);
    return parsed;
  }
}

/** Tables of one statement (no cache). Call `await initSqlParser()` once first. */
export function extractTableAccess(sql: string): TableAccess {
  return tableAccessOfTree(parseSync(sql));
}
