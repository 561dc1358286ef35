import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { connectAdmin, createKafka, ensureTopics } from '../../src/adapters/kafka.ts';
import { EnvironmentError } from '../../src/errors.ts';
import { freePort } from '../harness/postgres-server.ts';
import { describeKafka, kafkaBrokers } from '../harness/kafka.ts';

describeKafka('Kafka adapter', () => {
  it('creates only the missing topics', async () => {
    const brokers = kafkaBrokers();
    const admin = await connectAdmin(createKafka({ brokers }), brokers);
    try {
      const a = `adapter-${randomUUID()}`;
      const b = `adapter-${randomUUID()}`;
      expect(await ensureTopics(admin, [a])).toEqual([a]);
      expect(await ensureTopics(admin, [a, b], { partitions: 3 })).toEqual([b]);
      const meta = await admin.fetchTopicMetadata({ topics: [b] });
      expect(meta.topics[0]!.partitions).toHaveLength(3);
    } finally {
      await admin.disconnect();
    }
  });
});

it('turns an unreachable broker into an environment error (exit 3) naming it', async () => {
  const broker = `127.0.0.1:${await freePort()}`;
  const kafka = createKafka({ brokers: [broker], retries: 0, connectionTimeoutMs: 500 });
  const error = await connectAdmin(kafka, [broker]).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(EnvironmentError);
  expect((error as EnvironmentError).exitCode).toBe(3);
  expect((error as EnvironmentError).message).toContain(broker);
});
