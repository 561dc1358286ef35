/** Steps 5-6: analyze the monolith, then adopt the demo's context from the analysis into strangler.yaml. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readPartition } from '../../analyzers/partition/read-partition.ts';
import { runAnalyze } from '../../commands/analyze.ts';
import { runContextAdd } from '../../commands/context.ts';
import { writeAnalysisFiles } from '../../report/write-analysis-files.ts';
import { applyChangesToFile } from '../../routing/apply-route-plan.ts';
import { freeLoopbackPort } from '../../adapters/embedded-postgres.ts';
import { untilInterrupted, type DemoContext } from '../demo-context.ts';
import { demoConfigText } from '../demo-config.ts';
import { closestContext, renameContext } from '../rename-context.ts';
import { SAMPLE_MONOLITH } from '../runtime-paths.ts';
import type { DemoStep } from './step.ts';

export const ANALYSIS_DIR = 'strangler-analysis';

async function writeConfig(ctx: DemoContext): Promise<void> {
  const [listen, admin] = [await freeLoopbackPort(), await freeLoopbackPort()];
  ctx.state.proxyListen = `127.0.0.1:${listen}`;
  ctx.state.proxyAdmin = `127.0.0.1:${admin}`;
  const text = demoConfigText({
    sampleRoot: SAMPLE_MONOLITH,
    monolithDatabase: ctx.state.monolithDatabase!,
    monolithUrl: ctx.state.monolithUrl!,
    kafkaBrokers: ctx.state.kafkaBrokers,
    proxyListen: ctx.state.proxyListen,
    proxyAdmin: ctx.state.proxyAdmin,
  });
  await writeFile(ctx.configFile, text);
}

export const analyzeStep: DemoStep = {
  id: 'analyze',
  title: 'strangler analyze',
  why: () => 'Reads the shop\'s recorded SQL traffic, its code and its live schema, and proposes bounded contexts with the evidence for each and the seams to cut.',
  async run(ctx) {
    await writeConfig(ctx);
    const result = await untilInterrupted(runAnalyze({ configFile: ctx.configFile, configExplicit: true }), ctx.signal);
    result.written = await writeAnalysisFiles(result, path.join(ctx.dir, ANALYSIS_DIR));
    const statements = result.inputs.logs.reduce((n, l) => n + l.statements, 0);
    return `${Object.keys(result.contexts).length} contexts proposed from ${statements.toLocaleString('en-US')} statements, ${result.inputs.modules} modules and ${result.inputs.tables} tables; report in ${ANALYSIS_DIR}/report.html`;
  },
};

export const contextAddStep: DemoStep = {
  id: 'context-add',
  title: 'strangler context add',
  why: (ctx) => `Adopts the proposed context that holds ${ctx.options.context}'s tables into strangler.yaml (renamed "${ctx.options.context}" in analysis.yaml, which is meant to be edited), with the service's database and address.`,
  async run(ctx) {
    const file = path.join(ctx.dir, ANALYSIS_DIR, 'analysis.yaml');
    const proposed = await readPartition(file);
    const intended = await readPartition(path.join(SAMPLE_MONOLITH, 'domains.yaml'));
    const name = ctx.options.context;
    const from = name in proposed.contexts ? name : closestContext(proposed.contexts, intended.contexts[name]?.tables ?? []);
    if (!from) throw new Error(`the analysis proposes no context with any of ${name}'s tables`);
    ctx.state.proposedName = from;
    await writeFile(file, renameContext(await readFile(file, 'utf8'), from, name));
    await runContextAdd({ configFile: ctx.configFile, names: [name], update: false, dryRun: false });
    ctx.state.servicePort = await freeLoopbackPort();
    ctx.state.serviceUrl = `http://127.0.0.1:${ctx.state.servicePort}`;
    const via = ctx.state.kafkaBrokers ? 'kafka' : 'direct';
    await applyChangesToFile(ctx.configFile, [
      { path: ['contexts', name, 'service', 'database'], to: ctx.state.serviceDatabase },
      { path: ['contexts', name, 'service', 'url'], to: ctx.state.serviceUrl },
      { path: ['contexts', name, 'sync', 'via'], to: via },
    ]);
    const c = (await readPartition(ctx.configFile)).contexts[name]!;
    return `${from === name ? name : `${from} (as ${name})`}: ${c.tables.length} tables (${c.tables.join(', ')}), ${c.modules.length} modules, ${c.routes.length} routes; sync via ${via}`;
  },
};
