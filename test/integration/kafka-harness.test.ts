import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKafka, kafkaBrokers } from '../harness/kafka.ts';

describeKafka('harness Kafka broker', () => {
  let kafka: Kafka;
  let producer: Producer;
  let consumer: Consumer;
  const topic = `harness-${randomUUID()}`;

  beforeAll(async () => {
    kafka = new Kafka({ clientId: 'harness-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    consumer = kafka.consumer({ groupId: `harness-${randomUUID()}` });
    await consumer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await consumer?.disconnect();
  });

  it('round-trips keyed messages with headers through a real broker (idempotent, acks=all)', async () => {
    const sent = Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 5}`, value: `v${i}`, headers: { n: String(i) } }));
    const acks = await producer.send({ topic, acks: -1, messages: sent });
    expect(acks.every((a) => a.errorCode === 0)).toBe(true);

    const received: { key: string; value: string; n: string; partition: number }[] = [];
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          received.push({
            key: message.key!.toString(),
            value: message.value!.toString(),
            n: message.headers!.n!.toString(),
            partition,
          });
          if (received.length === sent.length) resolve();
        },
      });
    });
    await done;
    expect(received.map((r) => r.value).sort()).toEqual(sent.map((s) => s.value).sort());
    for (const r of received) expect(r.value).toBe(`v${r.n}`);
    // Same key, same partition, in order.
    for (const key of new Set(sent.map((s) => s.key))) {
      const mine = received.filter((r) => r.key === key);
      expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
      expect(mine.map((r) => Number(r.n))).toEqual([...mine.map((r) => Number(r.n))].sort((a, b) => a - b));
    }
  });
});
