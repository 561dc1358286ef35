import type { RegisterCommand } from '../cli-runtime.ts';
import { UsageError } from '../errors.ts';

export const registerExtract: RegisterCommand = (program, runtime) => {
  program
    .command('extract')
    .argument('[domain]', 'the context to extract')
    .description("write a runnable service for a context: template, moved code, migrations of its tables, SEAMS.md, Dockerfile, Kubernetes/Helm, dashboards, runbook")
    .option('--list', "list the contexts with their readiness")
    .option('--out <dir>', 'the service folder (default: contexts.<domain>.service.path, else services/<domain>)')
    .option('--database <url>', 'the monolith database to read the tables from (default: monolith.database)')
    .option('--scratch-database <url>', 'with only monolith.schemaFile: a server to load the dump into a temporary database (default: service.database)')
    .option('--templates <dir>', 'a service template folder instead of the bundled one')
    .option('--dry-run', 'show the file plan, write nothing')
    .option('-f, --force', 'overwrite files edited since they were generated, or write into a non-empty folder')
    .action(async (domain: string | undefined, opts: { list?: boolean; out?: string; database?: string; scratchDatabase?: string; templates?: string; dryRun?: boolean; force?: boolean }) => {
      const g = runtime.globals();
      const { json } = await import('../report/format.ts');
      const text = await import('../report/extract-text.ts');
      const extract = await import('./extract.ts');
      if (opts.list) {
        const rows = await extract.runExtractList(g.config);
        runtime.out.write(g.json ? json(rows) : text.renderExtractList(rows));
        return;
      }
      if (!domain) throw new UsageError('extract: which context?', 'pass its name (strangler extract catalog), or --list to see them');
      const r = await extract.runExtract({ domain, configFile: g.config, out: opts.out, database: opts.database, scratchDatabase: opts.scratchDatabase, templates: opts.templates, force: Boolean(opts.force), dryRun: Boolean(opts.dryRun) });
      runtime.out.write(g.json ? json(r) : text.renderExtract(r));
    });
};
