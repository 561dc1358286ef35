/**
 * A single-node Apache Kafka broker (KRaft, loopback) for the demo, run from the jars Maven fetches into a cache
 * (the same Kafka 3.9.x as the test harness: kafkajs 2.2 speaks protocol versions that Kafka 4.0 removed).
 * Needs Java 17 and Maven on the PATH; `kafkaUnavailableReason` says why not when they are missing.
 */
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connectAdmin, createKafka } from '../adapters/kafka.ts';
import { freeLoopbackPort } from '../adapters/embedded-postgres.ts';
import { EnvironmentError, InterruptedError } from '../errors.ts';
import { startChild, type RunningChild } from './child-process.ts';
import { PACKAGE_ROOT } from './runtime-paths.ts';

export const KAFKA_VERSION = '3.9.1';

export interface DemoKafka {
  brokers: string[];
  ports: number[];
  pid: number;
  dir: string;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** Why no broker can be started here (no Java, no Maven), or undefined when one can. */
export async function kafkaUnavailableReason(): Promise<string | undefined> {
  for (const tool of ['java', 'mvn']) {
    const found = await execa('sh', ['-c', `command -v ${tool}`], { reject: false });
    if (found.exitCode !== 0) return `${tool} is not on the PATH (a Kafka broker needs Java 17 and Maven to fetch its jars)`;
  }
  return undefined;
}

const POM = `<?xml version="1.0" encoding="UTF-8"?>
<!-- Fetches the Apache Kafka broker jars that strangler demo runs. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.strangler.demo</groupId>
  <artifactId>kafka-broker-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
`;

/** The jar folder: the checkout's test cache when it holds them, else ~/.cache/strangler/kafka/<version>. */
function classpathDirs(): string[] {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return [path.join(PACKAGE_ROOT, '.cache', 'kafka', KAFKA_VERSION), path.join(cache, 'strangler', 'kafka', KAFKA_VERSION)];
}

async function kafkaClasspath(): Promise<string> {
  const dirs = classpathDirs();
  let dir = dirs.find((d) => existsSync(path.join(d, '.complete')));
  if (!dir) {
    dir = dirs[1]!;
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'pom.xml'), POM);
    const r = await execa('mvn', ['-q', '-B', '-f', path.join(dir, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${dir}`, '-DincludeScope=runtime'], { reject: false, all: true });
    if (r.exitCode !== 0) throw new EnvironmentError(`Maven could not fetch the Kafka ${KAFKA_VERSION} jars (exit ${r.exitCode}): ${String(r.all).trim().split('\n').at(-1)}`, 'check the network access to Maven Central, or run without Java (the demo then syncs directly)');
    await writeFile(path.join(dir, '.complete'), new Date().toISOString());
  }
  const jars = (await readdir(dir)).filter((f) => f.endsWith('.jar')).sort();
  return jars.map((j) => path.join(dir, j)).join(path.delimiter);
}

function serverProperties(dir: string, port: number, controllerPort: number, extra: string[]): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${path.join(dir, 'data')}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=4',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    ...extra,
    '',
  ].join('\n');
}

/**
 * Writes a single-node KRaft broker's server.properties (plus `extra` lines) and a warnings-only log4j config in
 * `dir`; returns the properties file and the JVM arguments that run it with `classpath`. The test harness's broker
 * uses the same files.
 */
export async function writeKafkaBrokerFiles(dir: string, ports: { port: number; controllerPort: number }, classpath: string, extra: string[] = []): Promise<{ properties: string; jvm: string[] }> {
  const properties = path.join(dir, 'server.properties');
  await writeFile(properties, serverProperties(dir, ports.port, ports.controllerPort, extra));
  const log4j = path.join(dir, 'log4j.properties');
  await writeFile(log4j, 'log4j.rootLogger=WARN, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\nlog4j.appender.stdout.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n');
  return { properties, jvm: ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', `-Dlog4j.configuration=file:${log4j}`, '-cp', classpath] };
}

/** Formats the storage and starts the broker in `dir`; resolves once it answers a metadata request. */
export async function startKafkaBroker(dir: string, logFile: string, signal?: AbortSignal): Promise<DemoKafka> {
  const classpath = await kafkaClasspath();
  await mkdir(dir, { recursive: true });
  const [port, controllerPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
  const { properties, jvm } = await writeKafkaBrokerFiles(dir, { port, controllerPort }, classpath);
  const format = await execa('java', [...jvm, 'kafka.tools.StorageTool', 'format', `--cluster-id=${randomBytes(16).toString('base64url')}`, `--config=${properties}`], { reject: false, all: true, cwd: dir });
  if (format.exitCode !== 0) throw new EnvironmentError(`the Kafka storage format failed: ${String(format.all).trim().split('\n').at(-1)}`, `see ${dir}`);
  // The broker logs only warnings; it is ready when it answers, which waitUntilAnswering checks.
  const child = await startChild({ what: 'the Kafka broker', command: 'java', args: [...jvm, 'kafka.Kafka', properties], cwd: dir, env: process.env, logFile, signal });
  const brokers = [`127.0.0.1:${port}`];
  try {
    await waitUntilAnswering(brokers, child, signal);
  } catch (e) {
    await child.stop(5000);
    throw e;
  }
  return {
    brokers,
    ports: [port, controllerPort],
    pid: child.pid,
    dir,
    stop: async (options = {}) => {
      await child.stop(15_000);
      if (!options.keepData) await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitUntilAnswering(brokers: string[], child: RunningChild, signal?: AbortSignal, timeoutMs = 120_000): Promise<void> {
  const kafka = createKafka({ brokers, clientId: 'strangler-demo-probe', retries: 0, connectionTimeoutMs: 1000 });
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  let last = '';
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new InterruptedError('interrupted while starting the Kafka broker');
    if (exited) throw new EnvironmentError(`the Kafka broker exited while starting: ${child.output().trim().split('\n').at(-1) ?? ''}`, 'see kafka.log in the demo folder');
    try {
      const admin = await connectAdmin(kafka, brokers, { retries: 0 });
      await admin.disconnect();
      return;
    } catch (e) {
      last = (e as Error).message;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new EnvironmentError(`the Kafka broker at ${brokers.join(',')} did not answer within ${timeoutMs / 1000} s (${last})`, 'see kafka.log in the demo folder');
}
