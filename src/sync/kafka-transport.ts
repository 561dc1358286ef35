/**
 * Sync through Kafka: decoded changes are produced to one topic per table (idempotent producer, acks=all, one
 * request in flight) and the slot is acknowledged only once Kafka acknowledged them. A consumer group applies
 * the events to the service database; it skips what the per-table recorded position already covers and
 * commits offsets only after the apply transaction committed.
 */
import type { Consumer, Producer } from 'kafkajs';
import { connect } from '../adapters/postgres.ts';
import { connectAdmin, createKafka, ensureTopics } from '../adapters/kafka.ts';
import { ChangeApplier, type TargetTable } from './apply-changes.ts';
import { readCheckpoints } from './checkpoint-store.ts';
import { fromEnvelope, messageKey, toEnvelope, topicFor } from './kafka-envelope.ts';
import { comparePositions, ZERO_POSITION, type Position } from './lsn.ts';
import type { RowChange } from './row-change.ts';
import type { ChangeSinkFactory } from './sync-engine.ts';

export interface KafkaSyncSettings {
  domain: string;
  targetUrl: string;
  topicPrefix: string;
  kafka?: { brokers: string[]; clientId: string };
}

export function kafkaSinkFactory(settings: KafkaSyncSettings): ChangeSinkFactory {
  return async ({ targets, context }) => {
    const brokers = settings.kafka?.brokers ?? [];
    const kafka = createKafka({ brokers, clientId: settings.kafka?.clientId ?? 'strangler' });
    const admin = await connectAdmin(kafka, brokers);
    const topics = new Map([...targets.values()].map((t) => [t.source, topicFor(settings.topicPrefix, t.source)]));
    try {
      await ensureTopics(admin, [...topics.values()], { partitions: 1 });
    } finally {
      await admin.disconnect();
    }
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    const consumer = await startApplyConsumer({ kafka, settings, targets, topics: [...topics.values()], context });
    return {
      resumeFrom: async () => ZERO_POSITION,
      write: async (changes) => {
        await produceChanges(producer, changes, targets, topics, context);
      },
      close: async () => {
        await Promise.allSettled([producer.disconnect(), consumer.stop()]);
      },
    };
  };
}

export async function produceChanges(
  producer: Producer,
  changes: RowChange[],
  targets: Map<string, TargetTable>,
  topics: Map<string, string>,
  context: string,
): Promise<void> {
  const byTopic = new Map<string, { key: string | null; value: string }[]>();
  const add = (table: string, key: string | null, value: string) => {
    const topic = topics.get(table);
    if (!topic) return;
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push({ key, value });
  };
  for (const c of changes) {
    if (c.op === 'truncate') {
      for (const table of c.tables ?? [c.table]) add(table, null, JSON.stringify(toEnvelope({ ...c, table, tables: [table] }, context)));
    } else add(c.table, messageKey(c, targets.get(c.table)?.key ?? []), JSON.stringify(toEnvelope(c, context)));
  }
  if (byTopic.size === 0) return;
  await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
}

interface ConsumerOptions {
  kafka: ReturnType<typeof createKafka>;
  settings: KafkaSyncSettings;
  targets: Map<string, TargetTable>;
  topics: string[];
  context: string;
}

/** The applying side: one consumer group per context. */
export async function startApplyConsumer(o: ConsumerOptions): Promise<{ stop(): Promise<void>; consumer: Consumer }> {
  const target = await connect(o.settings.targetUrl, { role: 'service', applicationName: 'strangler-sync-consumer' });
  const applier = new ChangeApplier(target, o.context, o.targets);
  const applied = new Map<string, Position>();
  for (const cp of await readCheckpoints(target, o.context)) if (cp.stream) applied.set(cp.stream, cp);
  const consumer = o.kafka.consumer({ groupId: `strangler-sync-${o.context}`, sessionTimeout: 6_000, heartbeatInterval: 1_000, rebalanceTimeout: 10_000 });
  await consumer.connect();
  await consumer.subscribe({ topics: o.topics, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const fresh: RowChange[] = [];
      const last = new Map<string, Position>();
      for (const m of batch.messages) {
        if (!m.value) continue;
        const change = fromEnvelope(m.value.toString('utf8'));
        const seen = last.get(change.table) ?? applied.get(change.table) ?? ZERO_POSITION;
        if (comparePositions(change.position, seen) <= 0) continue; // already applied (a redelivery or a re-produce)
        last.set(change.table, change.position);
        fresh.push(change);
      }
      if (fresh.length) {
        await applier.apply(
          fresh,
          [...last].map(([stream, position]) => ({ stream, position, rows: fresh.filter((c) => c.table === stream).length, commitTime: fresh[fresh.length - 1]!.commitTime })),
        );
        for (const [t, p] of last) applied.set(t, p);
      }
      const lastOffset = batch.messages[batch.messages.length - 1]!.offset;
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(lastOffset) + 1n).toString() }]);
      resolveOffset(lastOffset);
      await heartbeat();
    },
  });
  return {
    consumer,
    stop: async () => {
      await consumer.disconnect().catch(() => {});
      await target.end().catch(() => {});
    },
  };
}
