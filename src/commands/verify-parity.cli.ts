import { InvalidArgumentError, Option } from 'commander';
import type { RegisterCommand } from '../cli-runtime.ts';

const number = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${flag} expects a non-negative number, got "${value}"`);
  return n;
};

export const registerVerifyParity: RegisterCommand = (program, runtime) => {
  program
    .command('verify-parity')
    .description('prove the service holds the same data and answers like the monolith (exit 1 on differences)')
    .argument('<domain>', 'the context to check (contexts.<domain> in strangler.yaml)')
    .option('--source <url>', 'monolith database (default: monolith.database)')
    .option('--target <url>', 'service database (default: contexts.<domain>.service.database)')
    .option('--tables <list>', 'comma-separated tables (default: contexts.<domain>.tables)', (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .option('--no-data', 'skip data parity')
    .option('--api', 'also check API parity')
    .option('--monolith-url <url>', 'monolith base URL (default: monolith.url)')
    .option('--service-url <url>', 'service base URL (default: contexts.<domain>.service.url)')
    .option('--corpus <file>', 'requests to replay: JSONL ({"method","path"} per line; also the proxy shadow log) or HAR; default: generated from the context routes')
    .option('--requests-per-route <n>', 'generated requests per route', number('--requests-per-route'))
    .option('--allow-writes', 'also replay unsafe methods (disposable databases only)')
    .option('--min-age <seconds>', 'leave out rows changed in the last N seconds (updated_at)', number('--min-age'))
    .option('--wait-sync <seconds>', 'first wait up to N seconds for strangler sync to apply the monolith\'s current WAL position', number('--wait-sync'))
    .option('--float-tolerance <x>', 'absolute tolerance for floating-point values', number('--float-tolerance'))
    .option('--full-row', 'compare tables without a primary key as whole-row multisets')
    .option('--fail-on <spec>', 'thresholds, e.g. data=0,api=0,noisy-endpoints=10%')
    .option('--junit <file>', 'also write JUnit XML')
    .option('--markdown <file>', 'also write a Markdown summary (for PR comments)')
    .addOption(new Option('--json', 'print the result as JSON').hideHelp())
    .action(async (domain: string, opts: Record<string, unknown>) => {
      const { runVerifyParity } = await import('./verify-parity.ts');
      const g = runtime.globals();
      const result = await runVerifyParity({
        domain,
        configFile: g.config,
        configExplicit: g.configExplicit,
        source: opts.source as string | undefined,
        target: opts.target as string | undefined,
        tables: opts.tables as string[] | undefined,
        data: opts.data as boolean,
        api: Boolean(opts.api),
        monolithUrl: opts.monolithUrl as string | undefined,
        serviceUrl: opts.serviceUrl as string | undefined,
        corpus: opts.corpus as string | undefined,
        requestsPerRoute: opts.requestsPerRoute as number | undefined,
        allowWrites: Boolean(opts.allowWrites),
        minAgeSeconds: opts.minAge as number | undefined,
        waitSyncSeconds: opts.waitSync as number | undefined,
        floatTolerance: opts.floatTolerance as number | undefined,
        fullRow: Boolean(opts.fullRow),
        failOn: opts.failOn as string | undefined,
      });
      const { writeFile } = await import('node:fs/promises');
      if (opts.junit) {
        const { renderParityJunit } = await import('../report/parity-junit.ts');
        await writeFile(opts.junit as string, renderParityJunit(result));
      }
      if (opts.markdown) {
        const { renderParityMarkdown } = await import('../report/parity-markdown.ts');
        await writeFile(opts.markdown as string, renderParityMarkdown(result));
      }
      if (g.json || opts.json) {
        const { json } = await import('../report/format.ts');
        runtime.out.write(json(result));
      } else {
        const { renderParityText } = await import('../report/parity-text.ts');
        runtime.out.write(renderParityText(result, g.color));
      }
      if (!result.pass) runtime.exitCode = 1;
    });
};
