import { describe, expect, it } from 'vitest';
import { netEffect, type NetAction, type NetStep } from '../../../src/sync/net-effect.ts';
import type { RowChange, RowValues } from '../../../src/sync/row-change.ts';

let index = 0;
const change = (op: RowChange['op'], before: RowValues | null, after: RowValues | null, extra: Partial<RowChange> = {}): RowChange => ({
  op,
  table: 'public.items',
  before,
  after,
  position: { commitLsn: 1n, index: index++ },
  xid: 1,
  commitTime: new Date(0),
  ...extra,
});
const insert = (row: RowValues) => change('insert', null, row);
const update = (before: RowValues | null, after: RowValues, unchanged?: string[]) => change('update', before, after, unchanged ? { unchanged } : {});
const del = (key: RowValues) => change('delete', key, null);
const keys = () => ['id'];

/** The actions of a single step for public.items, as [key, action] pairs in application order. */
function actionsOf(steps: NetStep[]): [string, NetAction][] {
  expect(steps).toHaveLength(1);
  const step = steps[0]!;
  if (step.kind !== 'actions') throw new Error('expected actions');
  return [...step.actions.get('public.items')!];
}

describe('netEffect', () => {
  it('keeps only the last state of a key changed several times', () => {
    const steps = netEffect([insert({ id: '1', v: 'a' }), update(null, { id: '1', v: 'b' }), update(null, { id: '1', v: 'c' })], keys);
    expect(actionsOf(steps)).toEqual([['["1"]', { kind: 'upsert', row: { id: '1', v: 'c' } }]]);
  });

  it('a delete followed by an insert of the same key is the new row; an insert followed by a delete is a delete', () => {
    const steps = netEffect([del({ id: '1' }), insert({ id: '1', v: 'new' }), insert({ id: '2', v: 'x' }), del({ id: '2' })], keys);
    expect(actionsOf(steps)).toEqual([
      ['["1"]', { kind: 'upsert', row: { id: '1', v: 'new' } }],
      ['["2"]', { kind: 'delete', key: { id: '2' } }],
    ]);
  });

  it('an update that moves the primary key deletes the old key, and a later move back restores it', () => {
    const moved = netEffect([update({ id: '1' }, { id: '2', v: 'a' })], keys);
    expect(actionsOf(moved)).toEqual([
      ['["1"]', { kind: 'delete', key: { id: '1' } }],
      ['["2"]', { kind: 'upsert', row: { id: '2', v: 'a' } }],
    ]);
    const back = netEffect([update({ id: '1' }, { id: '2', v: 'a' }), update({ id: '2' }, { id: '1', v: 'b' })], keys);
    expect(actionsOf(back)).toEqual([
      ['["2"]', { kind: 'delete', key: { id: '2' } }],
      ['["1"]', { kind: 'upsert', row: { id: '1', v: 'b' } }],
    ]);
  });

  it('an update without its unchanged TOASTed columns patches, merged into an earlier upsert or patch', () => {
    const intoUpsert = netEffect([insert({ id: '1', v: 'a', big: 'x' }), update(null, { id: '1', v: 'b' }, ['big'])], keys);
    expect(actionsOf(intoUpsert)).toEqual([['["1"]', { kind: 'upsert', row: { id: '1', v: 'b', big: 'x' } }]]);
    const patches = netEffect([update(null, { id: '1', v: 'b' }, ['big']), update(null, { id: '1', w: 'c' }, ['big'])], keys);
    expect(actionsOf(patches)).toEqual([['["1"]', { kind: 'patch', key: { id: '1' }, set: { id: '1', v: 'b', w: 'c' } }]]);
  });

  it('keeps composite keys apart and tables apart', () => {
    const steps = netEffect(
      [
        change('insert', null, { a: '1', b: '2', v: 'x' }, { table: 'public.pairs' }),
        change('insert', null, { a: '1', b: '3', v: 'y' }, { table: 'public.pairs' }),
        insert({ id: '1', v: 'z' }),
      ],
      (t) => (t === 'public.pairs' ? ['a', 'b'] : ['id']),
    );
    expect(steps).toHaveLength(1);
    const actions = (steps[0] as Extract<NetStep, { kind: 'actions' }>).actions;
    expect([...actions.keys()]).toEqual(['public.pairs', 'public.items']);
    expect([...actions.get('public.pairs')!.keys()]).toEqual(['["1","2"]', '["1","3"]']);
  });

  it('a TRUNCATE separates what comes before it from what comes after it', () => {
    const truncate = change('truncate', null, null, { tables: ['public.items'] });
    const steps = netEffect([insert({ id: '1', v: 'old' }), truncate, insert({ id: '1', v: 'new' })], keys);
    expect(steps.map((s) => s.kind)).toEqual(['actions', 'truncate', 'actions']);
    expect(actionsOf([steps[2]!])).toEqual([['["1"]', { kind: 'upsert', row: { id: '1', v: 'new' } }]]);
    expect(netEffect([truncate], keys).map((s) => s.kind)).toEqual(['truncate']);
  });
});
