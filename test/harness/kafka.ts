/**
 * Kafka for test files of the integration project. `describeKafka` runs the suite against the harness broker,
 * or skips it with the printed reason when no broker can be had (under CI=true a skip fails the run:
 * see scripts/check-test-results.mjs).
 */
import { describe, inject } from 'vitest';

export function kafkaBrokers(): string[] {
  const brokers = inject('kafkaBrokers');
  return brokers ? brokers.split(',') : [];
}

export function kafkaSkipReason(): string {
  return inject('kafkaSkipReason');
}

export function describeKafka(name: string, fn: () => void): void {
  const reason = kafkaSkipReason();
  if (reason) {
    describe.skip(`${name} (skipped: ${reason})`, fn);
  } else {
    describe(name, fn);
  }
}
