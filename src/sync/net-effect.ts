/**
 * The net effect of a batch of row changes, per table and primary key: what one multi-row statement per table
 * and kind has to do so that the target ends as if every change had been applied in order. A key changed
 * several times keeps only its last state; an update that moves a key deletes the old key; a delete followed by
 * an insert of the same key is the new row; an update without its unchanged TOASTed columns is a patch, merged
 * into an earlier upsert or patch of the same key. A TRUNCATE is a barrier: changes before and after it are
 * separate steps. Pure.
 */
import type { RowChange, RowValues } from './row-change.ts';

export type NetAction =
  | { kind: 'upsert'; row: RowValues }
  | { kind: 'delete'; key: RowValues }
  | { kind: 'patch'; key: RowValues; set: RowValues };

/** Per table (source name), per key (JSON of the key values): the last action, in order of last change. */
export type NetActions = Map<string, Map<string, NetAction>>;

export type NetStep = { kind: 'actions'; actions: NetActions } | { kind: 'truncate'; change: RowChange };

export function pickColumns(row: RowValues, cols: string[]): RowValues {
  const out: RowValues = {};
  for (const c of cols) out[c] = row[c] ?? null;
  return out;
}

export function keyText(key: string[], row: RowValues): string {
  return JSON.stringify(key.map((c) => row[c] ?? null));
}

/** `keyOf(table)`: the primary key columns of a table (every table here has one). */
export function netEffect(changes: RowChange[], keyOf: (table: string) => string[]): NetStep[] {
  const steps: NetStep[] = [];
  let actions: NetActions = new Map();
  const put = (table: string, key: string, a: NetAction) => {
    let m = actions.get(table);
    if (!m) actions.set(table, (m = new Map()));
    const prev = m.get(key);
    if (a.kind === 'patch' && prev) {
      if (prev.kind === 'upsert') a = { kind: 'upsert', row: { ...prev.row, ...a.set } };
      else if (prev.kind === 'patch') a = { kind: 'patch', key: a.key, set: { ...prev.set, ...a.set } };
    }
    m.delete(key); // keep insertion order = last change
    m.set(key, a);
  };
  for (const c of changes) {
    if (c.op === 'truncate') {
      if (actions.size) steps.push({ kind: 'actions', actions });
      actions = new Map();
      steps.push({ kind: 'truncate', change: c });
      continue;
    }
    const key = keyOf(c.table);
    if (c.op === 'delete') {
      put(c.table, keyText(key, c.before!), { kind: 'delete', key: pickColumns(c.before!, key) });
      continue;
    }
    const after = c.after!;
    const newKey = keyText(key, after);
    if (c.op === 'update' && c.before) {
      const oldKey = keyText(key, c.before);
      if (oldKey !== newKey) put(c.table, oldKey, { kind: 'delete', key: pickColumns(c.before, key) });
    }
    if (c.unchanged?.length) put(c.table, newKey, { kind: 'patch', key: pickColumns(after, key), set: after });
    else put(c.table, newKey, { kind: 'upsert', row: after });
  }
  if (actions.size) steps.push({ kind: 'actions', actions });
  return steps;
}
