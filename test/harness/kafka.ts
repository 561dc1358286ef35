/**
 * Kafka for test files of the integration project. `describeKafka` runs the suite against the harness broker,
 * or skips it with the printed reason when no broker can be had (under CI=true a skip fails the run:
 * see scripts/check-test-results.mjs).
 */
import { randomBytes } from 'node:crypto';
import { describe, inject } from 'vitest';
import { createKafka } from '../../src/adapters/kafka.ts';

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

export interface TopicMessage {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export interface ReadTopicOptions {
  brokers?: string[];
  timeoutMs?: number;
  /** Wait for the topic to exist first (a producer that creates it with its first record). */
  waitForTopic?: boolean;
  /** Keep reading this long once `done` holds, so anything unexpected shows up too. */
  settleMs?: number;
}

/** Reads `topic` from the beginning with a fresh consumer group until `done` holds for what arrived (or the timeout). */
export async function readTopic(topic: string, done: (messages: TopicMessage[]) => boolean, options: ReadTopicOptions = {}): Promise<TopicMessage[]> {
  const { brokers = kafkaBrokers(), timeoutMs = 30_000, waitForTopic = false, settleMs = 0 } = options;
  const kafka = createKafka({ brokers });
  const deadline = Date.now() + timeoutMs;
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  if (waitForTopic) {
    // subscribing before the topic exists races the broker's auto-creation
    const admin = kafka.admin();
    await admin.connect();
    try {
      while (!(await admin.listTopics()).includes(topic)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for topic ${topic}`);
        await pause(250);
      }
    } finally {
      await admin.disconnect();
    }
  }
  const consumer = kafka.consumer({ groupId: `test-reader-${randomBytes(4).toString('hex')}` });
  const out: TopicMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        out.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers });
      },
    });
    while (!done(out) && Date.now() < deadline) await pause(200);
    if (settleMs > 0) await pause(settleMs);
  } finally {
    await consumer.disconnect();
  }
  return out;
}
