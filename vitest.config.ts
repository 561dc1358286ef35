import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// The package's exports point at dist/ for installs; under this condition they point at the TypeScript in src/.
// Without vite's "module" condition: Node's own require() sees these conditions too, and "module" would make it
// load ESM builds with extensionless imports (prom-client's require of @opentelemetry/api fails that way).
const resolve = { conditions: ['strangler-source', ...defaultServerConditions.filter((c) => c !== 'module')] };

export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        ssr: { resolve },
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Generous: the machines have 2 shared cores, and a slow run is not a failure.
          testTimeout: 30_000,
        },
      },
      {
        resolve,
        ssr: { resolve },
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'fixtures/sample-monolith/test/**/*.test.ts'],
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          pool: 'forks',
        },
      },
    ],
  },
});
