/** Opens the analyze explorer on a terminal and resolves when the user quits. Loads ink and React lazily. */
import type { AnalyzeResult } from '../analyzers/analysis/analyze-result.ts';

export interface ExplorerIo {
  stdout: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  /** Write every frame in full, without cursor movement (tests). */
  debug?: boolean;
}

export async function runAnalyzeExplorer(result: AnalyzeResult, io: ExplorerIo): Promise<void> {
  const [{ render }, { createElement }, { AnalyzeExplorer }] = await Promise.all([import('ink'), import('react'), import('./analyze-explorer.tsx')]);
  const app = render(createElement(AnalyzeExplorer, { result }), {
    stdout: io.stdout,
    stdin: io.stdin,
    debug: io.debug ?? false,
    exitOnCtrlC: true,
    patchConsole: false,
  });
  await app.waitUntilExit();
}
