import type { RegisterCommand } from '../cli-runtime.ts';

export const registerConfig: RegisterCommand = (program, runtime) => {
  const config = program.command('config').description('check strangler.yaml or print its JSON Schema');
  config
    .command('validate')
    .description('load and validate strangler.yaml; exit 2 with the line and path of the first problem')
    .option('--check-connections', 'also connect to every database it names (exit 3 if one cannot be reached) and check that contexts.<d>.tables are tables there (exit 2)')
    .action(async (opts: { checkConnections?: boolean }) => {
      const { runConfigValidate, connectionFailure, tableFailure } = await import('./config.ts');
      const { renderValidate } = await import('../report/config-report.ts');
      const g = runtime.globals();
      const result = await runConfigValidate({ file: g.config, checkConnections: opts.checkConnections });
      runtime.out.write(renderValidate(result, g));
      const failure = connectionFailure(result);
      if (failure) throw failure;
      const notTables = tableFailure(result);
      if (notTables) throw notTables;
    });
  config
    .command('schema')
    .description('print the JSON Schema of strangler.yaml (for editors)')
    .action(async () => {
      const { runConfigSchema } = await import('./config.ts');
      const { json } = await import('../report/format.ts');
      runtime.out.write(json(runConfigSchema()));
    });
};
