/** What the move engine knows of the monolith and of strangler.yaml's contexts while it reaches declarations. */
import type { CodeFunction } from '../../analyzers/types.ts';
import type { SourceIndex, TsMorph } from './source-index.ts';

export interface MoveScope {
  context: string;
  morph: TsMorph;
  index: SourceIndex;
  /** Which context owns a file (its modules), if any. */
  ownerOfFile(file: string): string | undefined;
  ownerOfTable(table: string): string | undefined;
  knownTables: ReadonlySet<string>;
  functions: ReadonlyMap<string, CodeFunction>;
  /** Files that create the monolith's knex handle. */
  isDatabaseModule(file: string): boolean;
  /** The routes of a context that the code model found a handler for. */
  routesOf(context: string): { route: string; handler: string; at: { file: string; line: number } }[];
  /** Where a context's routes answer: its service once extracted, else the monolith; the variable that overrides it. */
  baseUrlOf(context: string): { envName: string; url?: string; service: boolean };
}
