/** The strangler.yaml the demo starts from (pure): the sample monolith where the demo runs it, no contexts yet. */
import path from 'node:path';

export interface DemoConfigInput {
  sampleRoot: string;
  monolithDatabase: string;
  monolithUrl: string;
  kafkaBrokers?: string[];
  proxyListen: string;
  proxyAdmin: string;
}

export function demoConfigText(i: DemoConfigInput): string {
  const q = (s: string) => JSON.stringify(s);
  return [
    '# strangler.yaml written by `strangler demo` for the bundled sample monolith.',
    '# The demo adds one context (context add), extracts it, syncs it and moves its traffic; every command reads this file.',
    'version: 1',
    'monolith:',
    '  name: sample-shop',
    `  source: ${q(i.sampleRoot)}`,
    `  database: ${q(i.monolithDatabase)}`,
    `  url: ${q(i.monolithUrl)}`,
    '  # recorded query logs of the same shop under its workload (the running one logs nothing)',
    `  logs: [${q(path.join(i.sampleRoot, 'logs', 'comments-on', 'postgresql.csv.gz'))}]`,
    'analysis:',
    '  # the sample\'s scripts and tests are not part of the shop',
    '  ignore: ["scripts/**", "test/**"]',
    ...(i.kafkaBrokers ? ['kafka:', `  brokers: [${i.kafkaBrokers.map(q).join(', ')}]`] : []),
    'proxy:',
    `  listen: ${q(i.proxyListen)}`,
    `  admin: ${q(i.proxyAdmin)}`,
    'contexts: {}',
    '',
  ].join('\n');
}
