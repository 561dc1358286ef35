import type { RegisterCommand } from '../cli-runtime.ts';

export const registerInit: RegisterCommand = (program, runtime) => {
  program
    .command('init')
    .description('write a commented starter strangler.yaml (and its JSON Schema), detecting what it can')
    .option('--dir <dir>', 'the monolith directory to look at (default: the config file directory)')
    .option('-f, --force', 'overwrite an existing file')
    .option('--dry-run', 'show the files that would be written, write nothing')
    .action(async (opts: { dir?: string; force?: boolean; dryRun?: boolean }) => {
      const { runInit } = await import('./init.ts');
      const { renderInit } = await import('../report/init-report.ts');
      const g = runtime.globals();
      const result = await runInit({ file: g.config, dir: opts.dir, force: Boolean(opts.force), dryRun: Boolean(opts.dryRun), env: process.env });
      runtime.out.write(renderInit(result, g));
    });
};
