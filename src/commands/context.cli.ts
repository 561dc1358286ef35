import type { RegisterCommand } from '../cli-runtime.ts';

export const registerContext: RegisterCommand = (program, runtime) => {
  const context = program.command('context').description('the contexts of strangler.yaml');
  context
    .command('add')
    .argument('[names...]', 'contexts of the analysis to adopt (default: all)')
    .description("adopt contexts of analysis.yaml into strangler.yaml (tables, modules, routes), keeping its comments and edits")
    .option('--from <file>', 'the analysis to read (default: strangler-analysis/analysis.yaml next to strangler.yaml)')
    .option('--update', "replace the tables, modules and routes of contexts already in strangler.yaml")
    .option('--dry-run', 'show what would change, write nothing')
    .action(async (names: string[], opts: { from?: string; update?: boolean; dryRun?: boolean }) => {
      const g = runtime.globals();
      const { runContextAdd } = await import('./context.ts');
      const { renderContextAdd } = await import('../report/extract-text.ts');
      const { json } = await import('../report/format.ts');
      const r = await runContextAdd({ configFile: g.config, from: opts.from, names, update: Boolean(opts.update), dryRun: Boolean(opts.dryRun) });
      runtime.out.write(g.json ? json(r) : renderContextAdd(r));
    });
};
