import { describe, expect, it } from 'vitest';
import { bucketOf, cookieValue, jwtSubOf, onService, userKeyOf } from '../../../src/routing/sticky-split.ts';

const settings = { header: 'x-user-id', cookie: 'uid', jwtSub: true };
const jwt = (claims: object) => `Bearer e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('sticky split', () => {
  it('finds the user key in the header, then the cookie, then a JWT sub, else the client address', () => {
    expect(userKeyOf({ 'x-user-id': 'a', cookie: 'uid=b', authorization: jwt({ sub: 'c' }) }, settings, '10.0.0.1')).toBe('a');
    expect(userKeyOf({ cookie: 'x=1; uid=b%20c', authorization: jwt({ sub: 'c' }) }, settings, '10.0.0.1')).toBe('b c');
    expect(userKeyOf({ authorization: jwt({ sub: 42 }) }, settings, '10.0.0.1')).toBe('42');
    expect(userKeyOf({ authorization: 'Bearer not-a-jwt' }, settings, '10.0.0.1')).toBe('10.0.0.1');
    expect(userKeyOf({ authorization: jwt({ sub: 'c' }) }, { ...settings, jwtSub: false }, '10.0.0.1')).toBe('10.0.0.1');
    expect(cookieValue('a=1;b=2', 'b')).toBe('2');
    expect(jwtSubOf(`Bearer e30.${Buffer.from('{bad').toString('base64url')}.x`)).toBeUndefined();
  });

  it('spreads 100,000 users within half a point of each percentage, and raising it moves nobody back', () => {
    const users = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
    let previous = new Set<string>();
    for (const percent of [1, 5, 10, 25, 50, 75, 99]) {
      const on = new Set(users.filter((u) => onService('catalog', u, percent)));
      expect(Math.abs((on.size / users.length) * 100 - percent)).toBeLessThan(0.5);
      for (const u of previous) expect(on.has(u)).toBe(true);
      previous = on;
    }
    expect(users.filter((u) => onService('catalog', u, 0))).toEqual([]);
    expect(users.every((u) => onService('catalog', u, 100))).toBe(true);
  });

  it('hashes per context, so one context canary does not pick the same users as another', () => {
    const users = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
    const both = users.filter((u) => onService('catalog', u, 10) && onService('orders', u, 10)).length;
    expect(both / users.length).toBeLessThan(0.02); // independent: about 1%
    expect(bucketOf('catalog', 'user-1')).toBe(bucketOf('catalog', 'user-1'));
  });
});
