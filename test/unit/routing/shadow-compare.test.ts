import { describe, expect, it } from 'vitest';
import { compareAnswers } from '../../../src/routing/shadow-mirror.ts';

const json = (v: unknown, status = 200) => ({ status, contentType: 'application/json; charset=utf-8', body: Buffer.from(JSON.stringify(v)) });

describe('shadow comparison', () => {
  it('names the differing JSON paths, minus ignored ones, with the float tolerance', () => {
    const d = compareAnswers(json({ id: 1, name: 'a', price: 9.99, at: 't1', tags: ['x'] }), json({ id: 1, name: 'b', price: 9.990001, at: 't2', tags: ['x', 'y'] }), ['$.at'], 0.001);
    expect(d.map((x) => `${x.path} ${x.kind}`)).toEqual(['$.name value', '$.tags[1] extra']);
  });

  it('compares other bodies byte for byte', () => {
    const text = (s: string) => ({ status: 200, contentType: 'text/html', body: Buffer.from(s) });
    expect(compareAnswers(text('<p>a</p>'), text('<p>a</p>'), [], 0)).toEqual([]);
    expect(compareAnswers(text('<p>a</p>'), json({ a: 1 }), [], 0)).toMatchObject([{ path: '$', kind: 'type' }]);
  });
});
