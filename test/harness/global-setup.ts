/**
 * vitest globalSetup of the integration project: starts (or finds) the real PostgreSQL and Kafka once
 * for the whole run and hands their addresses to the test files through `provide`.
 */
import type { TestProject } from 'vitest/node';
import { kafkaUnavailableReason, startKafkaBroker, type RunningKafka } from './kafka-broker.ts';
import { startPostgres } from './postgres-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    postgresSource: string;
    /** Comma-separated host:port list; '' when no broker could be had (see kafkaSkipReason). */
    kafkaBrokers: string;
    kafkaSkipReason: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const reason = await kafkaUnavailableReason();
  const [postgres, kafka] = await Promise.all([
    startPostgres(),
    reason ? Promise.resolve<RunningKafka | undefined>(undefined) : startKafkaBroker(),
  ]);
  project.provide('postgresAdminUrl', postgres.adminUrl);
  project.provide('postgresSource', postgres.source);
  project.provide('kafkaBrokers', kafka ? kafka.brokers.join(',') : '');
  project.provide('kafkaSkipReason', reason ?? '');
  process.stderr.write(
    `[harness] PostgreSQL: ${postgres.source}; Kafka: ${kafka ? `${kafka.source} ${kafka.brokers.join(',')}` : `unavailable (${reason})`}\n`,
  );
  return async () => {
    await Promise.all([postgres.stop(), kafka?.destroy()]);
  };
}
