/**
 * Conflict policy of two-way sync: one side wins (default: the monolith, still the system of record during
 * dual writes). Changes flowing INTO the winning side are applied only where the winning side's row still is
 * what the other side saw before its change (its before-image, sent with REPLICA IDENTITY FULL): an UPDATE or
 * DELETE whose before-image no longer matches, or an INSERT whose key is taken, is a conflict. It is skipped,
 * recorded in strangler_sync.conflicts, and the winning side's own version of the row reaches the other side
 * through the opposite direction (applied there unconditionally), so both sides converge on the winner's row.
 * Until that happens the row stays "open": later changes to it from the losing side derive from the rejected
 * version and are rejected too. The winner's version landing on the losing side is seen in the stream (a
 * transaction tagged with strangler's origin), which closes the conflict. Open conflicts survive restarts.
 */
import type pg from 'pg';
import { quoteIdent } from '../adapters/postgres.ts';
import type { CheckpointWrite, TargetTable } from './apply-changes.ts';
import { ApplyError, describeKey, refusedByTarget } from './apply-changes.ts';
import { readCheckpoint, saveCheckpoint, STATE_SCHEMA } from './checkpoint-store.ts';
import { formatLsn } from './lsn.ts';
import type { SyncDirection } from './replication-origin.ts';
import type { RowChange, RowValues } from './row-change.ts';
import type { ChangeSinkFactory } from './sync-engine.ts';

export const conflictPolicies = ['monolith-wins', 'service-wins'] as const;
export type ConflictPolicy = (typeof conflictPolicies)[number];

/** The direction that applies INTO the winning side checks for conflicts; the other one applies as is. */
export function checksConflicts(policy: ConflictPolicy, direction: SyncDirection): boolean {
  return policy === 'monolith-wins' ? direction === 'reverse' : direction === 'forward';
}

export interface Conflict {
  table: string;
  key: string;
  op: RowChange['op'];
  reason: string;
  position: string;
}

const q = quoteIdent;
/** Types without an equality operator: compared by their text form. */
const TEXT_COMPARED = /^(json|xml|point|line|lseg|box|path|polygon|circle)(\[\])?$/;

export async function ensureConflictTable(client: pg.ClientBase): Promise<void> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${STATE_SCHEMA}`).catch((e) => {
    if ((e as { code?: string }).code !== '23505') throw e;
  });
  await client.query(`CREATE TABLE IF NOT EXISTS ${STATE_SCHEMA}.conflicts (
    id bigserial PRIMARY KEY, context text NOT NULL, table_name text NOT NULL, row_key text NOT NULL, op text NOT NULL,
    reason text NOT NULL, incoming jsonb, position text NOT NULL, open boolean NOT NULL DEFAULT true,
    detected_at timestamptz NOT NULL DEFAULT now())`).catch((e) => {
    if ((e as { code?: string }).code !== '23505') throw e;
  });
}

export async function countConflicts(client: pg.ClientBase, context: string): Promise<number> {
  const r = await client.query<{ n: number }>(
    `SELECT CASE WHEN to_regclass('${STATE_SCHEMA}.conflicts') IS NULL THEN 0 ELSE 1 END AS n`,
  );
  if (!r.rows[0]!.n) return 0;
  const c = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${STATE_SCHEMA}.conflicts WHERE context = $1`, [context]);
  return c.rows[0]!.n;
}

export class ConflictCheckedApplier {
  /** Rows with an open conflict: `table|key`. */
  private open = new Set<string>();

  constructor(
    private readonly client: pg.ClientBase,
    private readonly context: string,
    private readonly tables: Map<string, TargetTable>,
  ) {}

  async loadOpenConflicts(): Promise<void> {
    const r = await this.client.query<{ t: string; k: string }>(
      `SELECT DISTINCT table_name AS t, row_key AS k FROM ${STATE_SCHEMA}.conflicts WHERE context = $1 AND open`,
      [this.context],
    );
    this.open = new Set(r.rows.map((x) => `${x.t}|${x.k}`));
  }

  /** Applies what does not conflict, records what does, and writes the checkpoints; one transaction. */
  async apply(changes: RowChange[], checkpoints: CheckpointWrite[]): Promise<Conflict[]> {
    const conflicts: Conflict[] = [];
    const before = new Set(this.open);
    await this.client.query('BEGIN');
    try {
      for (const c of changes) {
        if (c.origin) {
          await this.close(c);
          continue;
        }
        const keys = this.keys(c);
        const derived = keys.some((k) => this.open.has(k));
        const conflict = derived ? this.derivedConflict(c) : await this.applyOne(c);
        if (conflict) {
          conflicts.push(conflict);
          for (const k of keys) this.open.add(k);
          await this.record(conflict, c);
        }
      }
      for (const cp of checkpoints) {
        await saveCheckpoint(this.client, this.context, cp.stream, cp.position, cp.rows, { endLsn: cp.endLsn, commitTime: cp.commitTime });
      }
      await this.client.query('COMMIT');
    } catch (e) {
      this.open = before;
      await this.client.query('ROLLBACK').catch(() => {});
      throw e;
    }
    return conflicts;
  }

  /** `table|key` of the rows a change touches (old and new key). */
  private keys(c: RowChange): string[] {
    if (c.op === 'truncate') return [];
    const t = this.tables.get(c.table);
    if (!t || t.key.length === 0) return [];
    const out = new Set<string>();
    for (const row of [c.before, c.after]) if (row && t.key.every((k) => k in row)) out.add(`${c.table}|${describeKey(t, row)}`);
    return [...out];
  }

  /** Strangler wrote the winner's version of these rows on the losing side: their conflicts are over. */
  private async close(c: RowChange): Promise<void> {
    for (const k of this.keys(c)) {
      if (!this.open.delete(k)) continue;
      const [table, key] = [k.slice(0, k.indexOf('|')), k.slice(k.indexOf('|') + 1)];
      await this.client.query(`UPDATE ${STATE_SCHEMA}.conflicts SET open = false WHERE context = $1 AND table_name = $2 AND row_key = $3 AND open`, [
        this.context,
        table,
        key,
      ]);
    }
  }

  private derivedConflict(c: RowChange): Conflict {
    const t = this.table(c.table);
    return {
      table: c.table,
      key: describeKey(t, c.before ?? c.after ?? {}),
      op: c.op,
      reason: 'it builds on an earlier change to this row that the winning side rejected',
      position: `${formatLsn(c.position.commitLsn)}#${c.position.index}`,
    };
  }

  private table(name: string): TargetTable {
    const t = this.tables.get(name);
    if (!t) throw new ApplyError(name, '-', `table ${name} is not part of this sync`);
    return t;
  }

  private async applyOne(c: RowChange): Promise<Conflict | null> {
    const position = `${formatLsn(c.position.commitLsn)}#${c.position.index}`;
    if (c.op === 'truncate') {
      return { table: c.table, key: '*', op: c.op, reason: 'a truncate from the losing side is not applied to the winning side', position };
    }
    const t = this.table(c.table);
    const key = describeKey(t, c.before ?? c.after ?? {});
    await this.client.query('SAVEPOINT strangler_change');
    try {
      const matched = await this.statement(t, c);
      await this.client.query('RELEASE SAVEPOINT strangler_change');
      if (matched) return null;
      const reason =
        c.op === 'insert' ? 'the key already exists on the winning side' : 'the row changed (or vanished) on the winning side since the other side read it';
      return { table: c.table, key, op: c.op, reason, position };
    } catch (e) {
      const err = e as { code?: string; message?: string };
      if (!err.code?.startsWith('23')) {
        if (e instanceof ApplyError || !refusedByTarget(err.code)) throw e; // e.g. the connection dropped: retried
        throw new ApplyError(t.source, key, err.message ?? String(e), err.code);
      }
      await this.client.query('ROLLBACK TO SAVEPOINT strangler_change');
      return { table: c.table, key, op: c.op, reason: `the winning side refused it: ${err.message}`, position };
    }
  }

  /** Runs the change guarded by its precondition; false when the precondition did not hold (nothing written). */
  private async statement(t: TargetTable, c: RowChange): Promise<boolean> {
    const params: (string | null)[] = [];
    const p = (v: string | null) => (params.push(v), `$${params.length}`);
    if (c.op === 'insert') {
      const cols = Object.keys(c.after!);
      const conflict = t.key.length ? ` ON CONFLICT (${t.key.map(q).join(', ')}) DO NOTHING` : '';
      const r = await this.client.query(
        `INSERT INTO ${t.target} (${cols.map(q).join(', ')}) VALUES (${cols.map((col) => `${p(c.after![col] ?? null)}::${this.type(t, col)}`).join(', ')})${conflict}`,
        params,
      );
      return (r.rowCount ?? 0) > 0;
    }
    const match = this.precondition(t, c.before ?? keyOnly(t, c.after!), p);
    // without a key, rows are matched on all their values: touch one of the identical rows
    const where = t.key.length ? match : `ctid = (SELECT ctid FROM ${t.target} WHERE ${match} LIMIT 1)`;
    if (c.op === 'delete') {
      const r = await this.client.query(`DELETE FROM ${t.target} WHERE ${where}`, params);
      return (r.rowCount ?? 0) > 0;
    }
    const set = Object.keys(c.after!).map((col) => `${q(col)} = ${p(c.after![col] ?? null)}::${this.type(t, col)}`);
    const r = await this.client.query(`UPDATE ${t.target} SET ${set.join(', ')} WHERE ${where}`, params);
    return (r.rowCount ?? 0) > 0;
  }

  /**
   * The before-image as a WHERE clause. With REPLICA IDENTITY FULL it holds the whole old row; with only the
   * key (or nothing: an update that kept its key) the check degrades to "the row exists".
   */
  private precondition(t: TargetTable, before: RowValues, p: (v: string | null) => string): string {
    const cols = Object.keys(before).filter((col) => t.types.has(col));
    if (cols.length === 0) throw new ApplyError(t.source, '-', 'a change without a before-image or key cannot be checked');
    return cols
      .map((col) => {
        const type = this.type(t, col);
        return TEXT_COMPARED.test(type)
          ? `${q(col)}::text IS NOT DISTINCT FROM ${p(before[col] ?? null)}::${type}::text`
          : `${q(col)} IS NOT DISTINCT FROM ${p(before[col] ?? null)}::${type}`;
      })
      .join(' AND ');
  }

  private type(t: TargetTable, column: string): string {
    const type = t.types.get(column);
    if (!type) throw new ApplyError(t.source, '-', `column ${column} does not exist in the target table ${t.target}`, '42703');
    return type;
  }

  private async record(conflict: Conflict, c: RowChange): Promise<void> {
    await this.client.query(
      `INSERT INTO ${STATE_SCHEMA}.conflicts (context, table_name, row_key, op, reason, incoming, position) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [this.context, conflict.table, conflict.key, conflict.op, conflict.reason, JSON.stringify({ before: c.before, after: c.after }), conflict.position],
    );
  }
}

function keyOnly(t: TargetTable, row: RowValues): RowValues {
  return Object.fromEntries(t.key.map((k) => [k, row[k] ?? null]));
}

/** The sink of the direction that applies into the winning side. */
export function conflictCheckedSink(onConflicts?: (conflicts: Conflict[]) => void): ChangeSinkFactory {
  return async ({ target, targets, context }) => {
    await ensureConflictTable(target);
    const applier = new ConflictCheckedApplier(target, context, targets);
    await applier.loadOpenConflicts();
    return {
      observesOwnChanges: true,
      resumeFrom: () => readCheckpoint(target, context, ''),
      write: async (changes, upTo) => {
        const rows = changes.filter((c) => !c.origin).length;
        const conflicts = await applier.apply(changes, [{ stream: '', position: upTo.position, rows, endLsn: upTo.endLsn, commitTime: upTo.commitTime }]);
        if (conflicts.length) onConflicts?.(conflicts);
      },
      close: async () => {},
    };
  };
}
