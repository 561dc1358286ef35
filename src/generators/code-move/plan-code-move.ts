/**
 * Placeholder of the code move until the real one is merged: it moves nothing, mounts no route, and says so for
 * every route of the context, so that extract still writes a service that builds, starts and reports honestly.
 */
import type { CodeMoveInput, CodeMovePlan } from './contract.ts';

export async function planCodeMove(input: CodeMoveInput): Promise<CodeMovePlan> {
  const routes = input.contexts[input.context]?.routes ?? [];
  return {
    files: [
      {
        path: 'src/domain/mount.ts',
        contents: "import type { Express } from 'express';\n\n// No route of this context has been moved yet: the monolith still serves them all.\nexport function mountDomainRoutes(_app: Express): void {}\n",
      },
    ],
    routes: [],
    seams: [],
    notMoved: routes.map((r) => ({ what: `route ${r}`, where: `contexts.${input.context}.routes`, why: 'code move not available in this build' })),
    dependencies: {},
    warnings: ['code move not available in this build: no handler was moved'],
  };
}
