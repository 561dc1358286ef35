/**
 * Next.js API routes, declared by where the file is: `pages/api/users/[id].ts` answers `/api/users/:id` with its
 * default export (any method); `app/api/users/[id]/route.ts` answers with its exported `GET`, `POST`... functions.
 * `[...slug]` / `[[...slug]]` become `*`; route groups `(shop)` leave no segment.
 */
import type { CodeDetector } from './detector.ts';

const PAGES_API = /(?:^|\/)pages\/(api(?:\/.*)?)\.(?:[cm]?[jt]sx?)$/;
const APP_ROUTE = /(?:^|\/)app\/(.*?)\/?route\.(?:[cm]?[jt]sx?)$/;
const VERBS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

function toRoutePath(segments: string): string {
  const parts = segments
    .split('/')
    .filter((s) => s && !/^\(.*\)$/.test(s) && !s.startsWith('@'))
    .map((s) => (/^\[\[?\.\.\./.test(s) ? '*' : s.replace(/^\[(.+)\]$/, ':$1')));
  return `/${parts.join('/')}`;
}

export const nextjs: CodeDetector = {
  name: 'nextjs',
  kinds: [],
  visit() {},
  fileRoutes(file) {
    const pages = PAGES_API.exec(file);
    if (pages) return { path: toRoutePath(pages[1]!.replace(/\/index$/, '')), exports: { ALL: 'default' } };
    const app = APP_ROUTE.exec(file);
    if (app) return { path: toRoutePath(app[1]!), exports: Object.fromEntries(VERBS.map((v) => [v, v])) };
    return undefined;
  },
};
