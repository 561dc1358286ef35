/**
 * The sticky canary split (pure): a user's key hashed to one of 10,000 buckets per context; the user is on the
 * service when the bucket is below percent × 100. The bucket never changes, so a user stays on one side, and
 * raising the percentage only adds buckets: nobody moves back to the monolith.
 *
 *   1. userKeyOf     header, cookie, then a Bearer JWT's `sub` (as proxy.userKey says), else the client address
 *   2. bucketOf      FNV-1a over context and key, finished with murmur3's mixer (even spread on similar keys)
 *   3. onService     bucket < percent × 100
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface UserKeySettings {
  header: string;
  cookie?: string;
  jwtSub: boolean;
}

export const BUCKETS = 10_000;

// 1.
export function userKeyOf(headers: IncomingHttpHeaders, settings: UserKeySettings, clientAddress: string): string {
  const h = headers[settings.header];
  const fromHeader = Array.isArray(h) ? h[0] : h;
  if (fromHeader) return fromHeader;
  if (settings.cookie && headers.cookie) {
    const c = cookieValue(headers.cookie, settings.cookie);
    if (c) return c;
  }
  if (settings.jwtSub && headers.authorization) {
    const sub = jwtSubOf(headers.authorization);
    if (sub) return sub;
  }
  return clientAddress;
}

export function cookieValue(cookieHeader: string, name: string): string | undefined {
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponentSafe(part.slice(eq + 1).trim());
  }
  return undefined;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The `sub` claim of `Bearer <jwt>`, read without verifying the signature (only the split uses it). */
export function jwtSubOf(authorization: string): string | undefined {
  const m = /^Bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*$/.exec(authorization.trim());
  if (!m || m[2]!.length > 8192) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(m[2]!, 'base64url').toString('utf8')) as { sub?: unknown };
    return typeof claims.sub === 'string' || typeof claims.sub === 'number' ? String(claims.sub) : undefined;
  } catch {
    return undefined;
  }
}

// 2.
export function bucketOf(context: string, key: string): number {
  let h = 0x811c9dc5;
  const s = `${context}\u0000${key}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % BUCKETS;
}

// 3.
export function onService(context: string, key: string, percent: number): boolean {
  if (percent <= 0) return false;
  if (percent >= 100) return true;
  return bucketOf(context, key) < Math.round(percent * (BUCKETS / 100));
}
