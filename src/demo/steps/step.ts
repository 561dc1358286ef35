/** One step of the demo: a title, the sentence that explains it, and the work (which returns a one-line summary). */
import type { DemoContext } from '../demo-context.ts';

export interface DemoStep {
  id: string;
  title: string;
  why(ctx: DemoContext): string;
  run(ctx: DemoContext): Promise<string>;
}
