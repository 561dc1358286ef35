import { InvalidArgumentError, Option } from 'commander';
import type { RegisterCommand } from '../cli-runtime.ts';

/** The same list as `logFormats` in config/schema.ts (not imported: zod would load for every --help). */
const LOG_FORMATS = ['auto', 'stderr', 'syslog', 'rds', 'logplex', 'csvlog', 'jsonlog', 'cnpg', 'cloudsql', 'pg_stat_statements'];

const positive = (flag: string, integer: boolean) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new InvalidArgumentError(`${flag} expects a positive ${integer ? 'integer' : 'number'}, got "${value}"`);
  return n;
};

export const registerAnalyze: RegisterCommand = (program, runtime) => {
  program
    .command('analyze')
    .description('propose bounded contexts from SQL logs, code and schema (the bundled sample when nothing is configured)')
    .option('--logs <files...>', 'query logs (files or globs; plain, gzip, bzip2, xz or zstd): stderr, syslog, RDS, logplex, csvlog, jsonlog, CloudNativePG, Cloud SQL or pg_stat_statements exports')
    .addOption(new Option('--log-format <format>', 'log format (default: recognised from the lines)').choices(LOG_FORMATS))
    .option('--log-line-prefix <prefix>', 'log_line_prefix of text logs (default: inferred from the lines)')
    .option('--traces <files...>', 'trace exports (files or globs; plain or compressed): OTLP/JSON lines (the OpenTelemetry collector\'s file exporter) or Jaeger JSON')
    .option('--code <dir>', 'monolith source code (TypeScript/JavaScript)')
    .option('--schema <file>', 'pg_dump --schema-only file (tables, foreign keys, views)')
    .option('--database <url>', 'read tables, foreign keys and views from this live PostgreSQL database instead of a --schema file')
    .option('--git [dir]', 'git repository for co-change coupling between files (default: the code folder)')
    .option('--no-logs', 'ignore configured logs')
    .option('--no-code', 'ignore configured code')
    .option('--no-traces', 'ignore configured traces')
    .option('--compare <file>', 'ground truth partition (same format as analysis.yaml): pairwise precision/recall/F1 and MoJoFM')
    .option('--evaluate <file>', 'score this (hand-edited) analysis.yaml instead of proposing one')
    .option('--contexts <n>', 'aim at this many contexts', positive('--contexts', true))
    .option('--resolution <r>', 'Louvain resolution (>1: more, smaller contexts)', positive('--resolution', false))
    .option('--seed <n>', 'random seed (results are reproducible for a seed)', positive('--seed', true))
    .option('--out <dir>', 'write analysis.yaml, report.md, report.html and analysis.json here', 'strangler-analysis')
    .option('--no-interactive', 'print the plain summary instead of opening the explorer (the explorer opens only in a terminal)')
    .action(async (opts: Record<string, unknown>) => {
      const { runAnalyze } = await import('./analyze.ts');
      const g = runtime.globals();
      const progress = !g.json && process.stderr.isTTY ? (await import('../report/analyze-progress.ts')).createAnalyzeProgress(runtime.err) : undefined;
      const analyzed = async () => {
        const result = await runAnalyze({
          configFile: g.config,
          configExplicit: g.configExplicit,
          logs: opts.logs as string[] | undefined,
          logFormat: opts.logFormat as 'auto' | undefined,
          logLinePrefix: opts.logLinePrefix as string | undefined,
          traces: Array.isArray(opts.traces) ? (opts.traces as string[]) : undefined,
          code: opts.code as string | undefined,
          schema: opts.schema as string | undefined,
          database: opts.database as string | undefined,
          git: opts.git as string | boolean | undefined,
          noLogs: opts.logs === false,
          noCode: opts.code === false,
          noTraces: opts.traces === false,
          compare: opts.compare as string | undefined,
          evaluate: opts.evaluate as string | undefined,
          contexts: opts.contexts as number | undefined,
          resolution: opts.resolution as number | undefined,
          seed: opts.seed as number | undefined,
          onProgress: progress?.onProgress,
        });
        const { writeAnalysisFiles } = await import('../report/write-analysis-files.ts');
        result.written = await writeAnalysisFiles(result, opts.out as string);
        return result;
      };
      // The progress line is erased whatever happens, so an error message starts on a clean line.
      const result = await analyzed().finally(() => progress?.done());
      // The explorer needs a keyboard and a screen; anywhere else (pipes, CI, --json) the output stays plain.
      const inCi = ['CI', 'CONTINUOUS_INTEGRATION'].some((k) => process.env[k] !== undefined && process.env[k] !== '0' && process.env[k] !== 'false');
      if (opts.interactive !== false && !g.json && !inCi && runtime.isTTY && process.stdout.isTTY && process.stdin.isTTY) {
        const { runAnalyzeExplorer } = await import('../ui/run-analyze-explorer.ts');
        await runAnalyzeExplorer(result, { stdout: process.stdout, stdin: process.stdin });
      }
      if (g.json) {
        const { json } = await import('../report/format.ts');
        runtime.out.write(json(result));
      } else {
        const { renderAnalyzeText } = await import('../report/analyze-text.ts');
        runtime.out.write(renderAnalyzeText(result, g.color));
      }
    });
};
