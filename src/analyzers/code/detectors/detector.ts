/**
 * What a framework or data-access detector is: a small typed object that looks at some kinds of syntax nodes of
 * one file and reports facts through a context (routes, router mounts, table accesses, warnings). Detectors keep
 * no state across files; everything that needs other files (a mount's prefix, an imported handler, an entity's
 * table) is resolved afterwards from the facts. Supporting a framework is adding one detector to `detectors/index.ts`.
 */
import type ts from 'typescript';

export type Mode = 'read' | 'write';

/** Who a route or a mount is registered on: a router, an app, a plugin's instance. `undefined` when unknown. */
export type OwnerKey = string | undefined;

export interface RouteFact {
  method: string;
  path: string;
  owner: OwnerKey;
  /** The handler as written: the expression passed, or a function key the detector already knows. */
  handler: ts.Expression | { key: string };
  node: ts.Node;
  via: string;
}

export interface DetectorContext {
  readonly file: string;
  readonly sourceFile: ts.SourceFile;
  lineOf(node: ts.Node): number;
  /** A table access found at `node`. */
  table(table: string, mode: Mode, node: ts.Node, via: string): void;
  /** A table the code declares (a migration's `createTable`, a join table...). */
  declareTable(table: string, node: ts.Node, via: string, entity?: string): void;
  route(route: RouteFact): void;
  /** `owner.use(prefix, child)`: routes of `child` answer under the prefixes of `owner` + `prefix`. */
  mount(owner: OwnerKey, prefix: string, child: OwnerKey, node: ts.Node): void;
  /** A router that prefixes its own routes (`new Router({ prefix: '/users' })`). */
  ownerPrefix(owner: OwnerKey, prefix: string): void;
  /** Routes of every owner of the file get this prefix (NestJS `app.setGlobalPrefix('api')`). */
  globalPrefix(prefix: string): void;
  /** The router/app identity an expression stands for (`router`, `this.router`, a function parameter). */
  ownerOf(expr: ts.Expression): OwnerKey;
  /** The function an expression names (`file#name`), through imports. */
  refOf(expr: ts.Expression): string | undefined;
  /** The owner of parameter `index` of the function `fn` names (for `register(plugin, { prefix })`, `routes(app)`). */
  parameterOwner(fn: ts.Expression, index: number): OwnerKey;
  warn(node: ts.Node, message: string): void;
}

export interface CodeDetector {
  /** What it knows about, for messages and `via` (`express`, `knex`...). */
  name: string;
  /** The node kinds it wants (others are never passed to it). */
  kinds: readonly ts.SyntaxKind[];
  visit(node: ts.Node, ctx: DetectorContext): void;
  /** Routes a file declares by its path alone (Next.js `pages/api/**`): the exported names that handle them. */
  fileRoutes?(file: string): { path: string; exports: Record<string, string> } | undefined;
}
