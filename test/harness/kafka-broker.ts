/**
 * A real Apache Kafka broker for the tests: KAFKA_BROKERS when set, otherwise a single-node KRaft broker on
 * loopback, run from the jars Maven fetches (test/harness/kafka/pom.xml; Kafka 3.9.x because kafkajs 2.2.x
 * speaks protocol versions that Kafka 4.0 removed). The classpath is cached in .cache/kafka/<version>/.
 *
 * `startKafkaBroker()` can also be called by a test file to get a broker of its own (e.g. to restart it).
 */
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from './postgres-server.ts';
import { writeKafkaBrokerFiles } from '../../src/demo/kafka-broker.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const pom = path.join(here, 'kafka', 'pom.xml');

export interface RunningKafka {
  brokers: string[];
  source: 'KAFKA_BROKERS' | 'embedded';
  /** Stops the broker process, keeping its data (an embedded broker only). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data (an embedded broker only). */
  restart(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

/** Why the harness cannot start a broker here, or undefined when it can. */
export async function kafkaUnavailableReason(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (env.KAFKA_BROKERS) return undefined;
  for (const tool of ['java', 'mvn']) {
    const found = await execa('sh', ['-c', `command -v ${tool}`], { reject: false });
    if (found.exitCode !== 0) return `${tool} is not on the PATH (needed to run the test Kafka broker; or set KAFKA_BROKERS)`;
  }
  return undefined;
}

async function kafkaVersion(): Promise<string> {
  const text = await readFile(pom, 'utf8');
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(text);
  if (!m) throw new Error(`${pom}: no <kafka.version>`);
  return m[1]!;
}

/** Fetches (once) the broker's runtime classpath with Maven and returns the jar paths. */
export async function kafkaClasspath(): Promise<string> {
  const dir = path.join(repoRoot, '.cache', 'kafka', await kafkaVersion());
  const marker = path.join(dir, '.complete');
  if (!existsSync(marker)) {
    await mkdir(dir, { recursive: true });
    const result = await execa(
      'mvn',
      ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${dir}`, '-DincludeScope=runtime'],
      { reject: false, all: true },
    );
    if (result.exitCode !== 0) {
      throw new Error(`Maven could not fetch the Kafka jars (exit ${result.exitCode}): ${String(result.all).slice(-2000)}`);
    }
    await writeFile(marker, new Date().toISOString());
  }
  const jars = (await readdir(dir)).filter((f) => f.endsWith('.jar')).sort();
  return jars.map((j) => path.join(dir, j)).join(path.delimiter);
}

export async function startKafkaBroker(env: NodeJS.ProcessEnv = process.env): Promise<RunningKafka> {
  if (env.KAFKA_BROKERS) {
    const noop = async () => {};
    return { brokers: env.KAFKA_BROKERS.split(','), source: 'KAFKA_BROKERS', stop: noop, restart: noop, destroy: noop };
  }
  const classpath = await kafkaClasspath();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'strangler-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const { properties, jvm } = await writeKafkaBrokerFiles(dir, { port, controllerPort }, classpath, ['log.flush.interval.messages=1000000']);
  const java = (main: string, args: string[]) => execa('java', [...jvm, main, ...args], { reject: false, all: true, cwd: dir });
  const clusterId = randomBytes(16).toString('base64url');
  // `--opt=value`: a base64url id may start with '-', which would otherwise be read as an option
  const format = await java('kafka.tools.StorageTool', ['format', `--cluster-id=${clusterId}`, `--config=${properties}`]);
  if (format.exitCode !== 0) throw new Error(`kafka storage format failed: ${String(format.all).slice(-2000)}`);

  let child: ReturnType<typeof java> | undefined;
  let output = '';
  const launch = async () => {
    output = '';
    child = java('kafka.Kafka', [properties]);
    child.all?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    });
    await waitUntilAnswering(`127.0.0.1:${port}`, () => output, child);
  };
  const halt = async () => {
    if (!child) return;
    const c = child;
    child = undefined;
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
    await c.catch(() => {});
    clearTimeout(timer);
  };
  await launch();
  return {
    brokers: [`127.0.0.1:${port}`],
    source: 'embedded',
    stop: halt,
    restart: async () => {
      await halt();
      await launch();
    },
    destroy: async () => {
      await halt();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitUntilAnswering(
  broker: string,
  log: () => string,
  child: { exitCode?: number | null } | undefined,
  timeoutMs = 90_000,
): Promise<void> {
  const kafka = new Kafka({ clientId: 'harness-probe', brokers: [broker], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (child && typeof child.exitCode === 'number') {
      throw new Error(`the Kafka broker exited with code ${child.exitCode}; last output:\n${log().slice(-3000)}`);
    }
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      await admin.disconnect();
      return;
    } catch (e) {
      lastError = (e as Error).message;
      await admin.disconnect().catch(() => {});
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`the Kafka broker at ${broker} did not answer within ${timeoutMs / 1000}s (${lastError}); last output:\n${log().slice(-3000)}`);
}
