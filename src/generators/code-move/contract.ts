/**
 * The contract between `strangler extract`'s service scaffold and its code move.
 *
 * The code move copies a context's route handlers, and the functions and modules they reach that belong to the
 * context, into the service under `src/domain/`, rewriting imports. It always writes `src/domain/mount.ts`, which
 * exports `mountDomainRoutes(app: import('express').Express): void` registering every moved route on the same
 * method and path as in the monolith. The scaffold's `src/app.ts` imports `./domain/mount.js` and calls it after
 * its own middleware (request id, logging, metrics) and before its error handler. Moved code reads the database URL
 * from the service's environment variable (contexts.<d>.service.databaseEnv, default DATABASE_URL); statements that
 * still need tables of other contexts read MONOLITH_DATABASE_URL. `src/domain/mount.ts` also exports
 * `closeDomain(): Promise<void>`, which the scaffold's graceful shutdown calls to close those pools.
 */

/** A place where the context is still tied to the rest of the monolith. */
export interface Seam {
  kind: 'call' | 'sharedWrite' | 'crossJoin' | 'foreignKey';
  /** `file:line` in the monolith (files relative to monolith.source), or `table.column` for a foreign key. */
  from: string;
  /** The other side: a function `file:line`, a table, or `table.column`. */
  to: string;
  /** The context that owns the other side, when known. */
  otherContext?: string;
  /** What the tie is, in one sentence. */
  detail: string;
  /** How to cut it, in one sentence. */
  suggestion: string;
}

export interface MovedRoute {
  method: string;
  /** The path pattern as registered in the monolith (`/products/:id`). */
  path: string;
  /** The handler's `file:line` in the monolith. */
  handler: string;
  /** The handler's `file` in the service (relative to the service root). */
  movedTo: string;
}

export interface NotMoved {
  /** What could not be moved: a route, a function, a module. */
  what: string;
  /** `file:line` in the monolith. */
  where: string;
  why: string;
}

export interface CodeMoveInput {
  /** Absolute path of the monolith's source root (monolith.source). */
  monolithRoot: string;
  /** The context being extracted. */
  context: string;
  /** Every context of strangler.yaml: what it owns and, once extracted, where its service answers. */
  contexts: Record<string, { tables: string[]; modules: string[]; routes: string[]; serviceUrl?: string }>;
  /** Environment variable the moved code reads the database URL from. */
  databaseEnv: string;
  /** The monolith's base URL (monolith.url): where the generated HTTP clients call the monolith's routes. */
  monolithUrl?: string;
  /** Every table of the monolith's database, when it was read: tables no context owns (shared ones) are seams too. */
  monolithTables?: string[];
}

export interface CodeMovePlan {
  /** Files to write, paths relative to the service root (`src/domain/...`). */
  files: { path: string; contents: string }[];
  routes: MovedRoute[];
  seams: Seam[];
  notMoved: NotMoved[];
  /** npm dependencies the moved code imports, with the monolith's version ranges. */
  dependencies: Record<string, string>;
  warnings: string[];
}
