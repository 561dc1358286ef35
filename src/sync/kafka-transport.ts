/**
 * Sync through Kafka: decoded changes are produced to one topic per table (idempotent producer, acks=all, one
 * request in flight) and the slot is acknowledged only once Kafka acknowledged them. A consumer group applies
 * the events to the service database; it skips what the recorded position of each topic partition already
 * covers and commits offsets only after the apply transaction committed. Outbox inserts, when an outbox table
 * is relayed, go to a topic per aggregate type instead (see outbox-relay.ts).
 *
 * Any Kafka failure is a KafkaUnavailableError: the engine retries the whole attempt with backoff, resuming
 * from the slot (what Kafka already has is produced again and skipped by the consumer).
 */
import type { Admin, Consumer, IHeaders, Kafka, Producer, TopicMessages } from 'kafkajs';
import type pg from 'pg';
import { connect } from '../adapters/postgres.ts';
import { connectAdmin, createKafka, ensureTopics, kafkaUnavailable } from '../adapters/kafka.ts';
import { EnvironmentError } from '../errors.ts';
import { ChangeApplier, type TargetTable } from './apply-changes.ts';
import { readCheckpoints, saveCheckpoint } from './checkpoint-store.ts';
import { EnvelopeError, fromEnvelope, messageKey, toEnvelope, topicFor } from './kafka-envelope.ts';
import { comparePositions, ZERO_POSITION, type Position } from './lsn.ts';
import { DEFAULT_OUTBOX_TOPIC_PREFIX, outboxMessage } from './outbox-relay.ts';
import type { RowChange } from './row-change.ts';
import { readSlot } from './source-setup.ts';
import type { ChangeSinkFactory } from './sync-engine.ts';

export interface KafkaSyncSettings {
  domain: string;
  targetUrl: string;
  topicPrefix: string;
  kafka?: { brokers: string[]; clientId: string };
  /** Relay inserts into this monolith table (`schema.table`) as domain events. */
  outbox?: { table: string; topicPrefix?: string };
}

/** Checkpoint stream holding the slot position Kafka mode started from: older events on the topics are not ours. */
export const FLOOR_STREAM = 'kafka:floor';

export const partitionStream = (table: string, partition: number) => `kafka:${table}#${partition}`;

export function kafkaSinkFactory(settings: KafkaSyncSettings): ChangeSinkFactory {
  return async ({ source, slot, target, targets, context }) => {
    const brokers = settings.kafka?.brokers ?? [];
    const kafka = createKafka({ brokers, clientId: settings.kafka?.clientId ?? 'strangler', connectionTimeoutMs: 3_000 });
    const topics = new Map([...targets.values()].map((t) => [t.source, topicFor(settings.topicPrefix, t.source)]));
    const admin = await connectAdmin(kafka, brokers, { retries: 1 }); // the sync's own backoff retries, with a status line
    let producer: Producer | undefined;
    let consumer: ApplyConsumer | undefined;
    try {
      await ensureTopics(admin, [...topics.values()], { partitions: 1 }).catch((e) => {
        throw kafkaUnavailable(brokers, 'cannot create the change topics', e);
      });
      await recordFloor(target, source, slot, context);
      producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect().catch((e) => {
        throw kafkaUnavailable(brokers, 'the Kafka producer cannot connect', e);
      });
      consumer = await startApplyConsumer({ kafka, brokers, targetUrl: settings.targetUrl, targets, topics, context });
    } catch (e) {
      await Promise.allSettled([admin.disconnect(), producer?.disconnect(), consumer?.stop()]);
      throw e;
    }
    const knownTopics = new Set(topics.values());
    const p = producer;
    const c = consumer;
    return {
      resumeFrom: async () => ZERO_POSITION,
      failure: () => c.failure(),
      write: async (changes) => {
        const failed = c.failure();
        if (failed) throw failed;
        const topicMessages = changeMessages(changes, { targets, topics, context, outbox: settings.outbox });
        if (topicMessages.length === 0) return;
        await createMissingTopics(admin, knownTopics, topicMessages, brokers);
        try {
          // one request at a time (the producer keeps one in flight), so the order within a partition holds
          for (const chunk of chunkTopicMessages(topicMessages)) await p.sendBatch({ acks: -1, topicMessages: chunk });
        } catch (e) {
          throw kafkaUnavailable(brokers, `Kafka did not acknowledge ${changes.length} change event(s)`, e);
        }
      },
      close: async () => {
        await Promise.allSettled([p.disconnect(), c.stop(), admin.disconnect()]);
      },
    };
  };
}

/** Outbox topics appear as aggregate types do: create them before producing (brokers may forbid auto-creation). */
async function createMissingTopics(admin: Admin, known: Set<string>, messages: TopicMessages[], brokers: string[]): Promise<void> {
  const missing = messages.map((m) => m.topic).filter((t) => !known.has(t));
  if (missing.length === 0) return;
  try {
    await ensureTopics(admin, [...new Set(missing)], { partitions: 1 });
  } catch (e) {
    throw kafkaUnavailable(brokers, `cannot create the topics ${missing.join(', ')}`, e);
  }
  for (const t of missing) known.add(t);
}

/** The first time Kafka mode streams for a context, remember where the slot stands: events before it are older runs'. */
async function recordFloor(target: pg.ClientBase, source: pg.ClientBase, slot: string, context: string): Promise<void> {
  const existing = await readCheckpoints(target, context);
  if (existing.some((c) => c.stream === FLOOR_STREAM)) return;
  const info = await readSlot(source, slot);
  await saveCheckpoint(target, context, FLOOR_STREAM, { commitLsn: info.confirmedFlush ?? 0n, index: -1 }, 0);
}

export interface MessageRouting {
  targets: Map<string, TargetTable>;
  /** Source table -> change topic. */
  topics: Map<string, string>;
  context: string;
  outbox?: { table: string; topicPrefix?: string };
}

/** Kafka messages for a batch of changes, in order, grouped by topic. Pure. */
export function changeMessages(changes: RowChange[], r: MessageRouting): TopicMessages[] {
  const byTopic = new Map<string, { key: string | null; value: string; headers?: IHeaders }[]>();
  const add = (topic: string, key: string | null, value: string, headers?: IHeaders) => {
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push(headers ? { key, value, headers } : { key, value });
  };
  const outboxTable = r.outbox ? qualifiedName(r.outbox.table) : undefined;
  for (const c of changes) {
    if (outboxTable && c.table === outboxTable && c.op !== 'truncate') {
      const m = outboxMessage(c, r.outbox?.topicPrefix ?? DEFAULT_OUTBOX_TOPIC_PREFIX);
      if (m) add(m.topic, m.key, m.value, m.headers);
      continue;
    }
    if (c.op === 'truncate') {
      for (const table of c.tables ?? [c.table]) {
        const topic = r.topics.get(table);
        if (topic) add(topic, null, JSON.stringify(toEnvelope({ ...c, table, tables: [table] }, r.context)));
      }
      continue;
    }
    const topic = r.topics.get(c.table);
    if (topic) add(topic, messageKey(c, r.targets.get(c.table)?.key ?? []), JSON.stringify(toEnvelope(c, r.context)));
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/** Bytes a message adds to a produce request, roughly (key, value, headers, record overhead). */
function messageBytes(m: TopicMessages['messages'][number]): number {
  let n = 70 + Buffer.byteLength(String(m.key ?? '')) + Buffer.byteLength(typeof m.value === 'string' ? m.value : (m.value ?? Buffer.alloc(0)));
  for (const [k, v] of Object.entries(m.headers ?? {})) n += Buffer.byteLength(k) + Buffer.byteLength(String(v ?? ''));
  return n;
}

/**
 * Splits a produce into requests of at most `maxBytes` (brokers refuse a record batch above message.max.bytes,
 * 1 MB by default), keeping the messages of each topic in order. A message larger than `maxBytes` goes alone.
 */
export function chunkTopicMessages(topicMessages: TopicMessages[], maxBytes = 512 * 1024): TopicMessages[][] {
  const chunks: TopicMessages[][] = [];
  let current: TopicMessages[] = [];
  let size = 0;
  for (const { topic, messages } of topicMessages) {
    let entry: TopicMessages | undefined;
    for (const m of messages) {
      const bytes = messageBytes(m);
      if (size > 0 && size + bytes > maxBytes) {
        chunks.push(current);
        current = [];
        size = 0;
        entry = undefined;
      }
      if (!entry) current.push((entry = { topic, messages: [] }));
      entry.messages.push(m);
      size += bytes;
    }
  }
  if (current.length) chunks.push(current);
  return chunks;
}

/** `outbox` -> `public.outbox` (how changes name tables). */
export function qualifiedName(table: string): string {
  return table.includes('.') ? table : `public.${table}`;
}

interface ConsumerOptions {
  kafka: Kafka;
  brokers: string[];
  targetUrl: string;
  targets: Map<string, TargetTable>;
  /** Source table -> change topic. */
  topics: Map<string, string>;
  context: string;
}

interface ApplyConsumer {
  consumer: Consumer;
  /** Why applying stopped (the sync restarts, or stops on an ApplyError). */
  failure(): unknown;
  stop(): Promise<void>;
}

/** Events of one topic partition that the recorded positions do not cover yet. Pure. */
export function freshChanges(values: (string | null)[], covered: Position, where = 'a change topic'): { fresh: RowChange[]; last: Position } {
  const fresh: RowChange[] = [];
  let last = covered;
  for (const v of values) {
    if (v === null) continue;
    let change: RowChange;
    try {
      change = fromEnvelope(v);
    } catch (e) {
      if (!(e instanceof EnvelopeError)) throw e;
      throw new EnvironmentError(`${where}: ${e.message}`, 'only strangler sync may produce to its change topics; see docs/kafka-envelope.md', { cause: e });
    }
    if (comparePositions(change.position, last) <= 0) continue; // already applied (a redelivery or a re-produce)
    fresh.push(change);
    last = change.position;
  }
  return { fresh, last };
}

/** The applying side: one consumer group per context, one service transaction per fetched batch. */
export async function startApplyConsumer(o: ConsumerOptions): Promise<ApplyConsumer> {
  const target = await connect(o.targetUrl, { role: 'service', applicationName: 'strangler-sync-consumer' });
  let failure: unknown;
  let consumer: Consumer | undefined;
  try {
    const applier = new ChangeApplier(target, o.context, o.targets);
    const recorded = await readCheckpoints(target, o.context);
    const floor = recorded.find((c) => c.stream === FLOOR_STREAM) ?? ZERO_POSITION;
    const applied = new Map<string, Position>(recorded.filter((c) => c.stream.startsWith('kafka:')).map((c) => [c.stream, c]));
    consumer = o.kafka.consumer({ groupId: `strangler-sync-${o.context}`, sessionTimeout: 6_000, heartbeatInterval: 1_000, rebalanceTimeout: 6_000 });
    const cons = consumer;
    cons.on(cons.events.CRASH, ({ payload }) => {
      if (!payload.restart && !failure) failure = kafkaUnavailable(o.brokers, 'the change consumer stopped', payload.error);
    });
    await cons.connect().catch((e) => {
      throw kafkaUnavailable(o.brokers, 'the change consumer cannot connect', e);
    });
    const tableOf = new Map([...o.topics].map(([table, topic]) => [topic, table]));
    await cons.subscribe({ topics: [...o.topics.values()], fromBeginning: true });
    // not awaited: joining the group waits out a killed predecessor's session, and producing need not wait for that
    const running = cons.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (failure || !isRunning() || isStale() || batch.messages.length === 0) return;
        try {
          const stream = partitionStream(tableOf.get(batch.topic) ?? batch.topic, batch.partition);
          const before = applied.get(stream);
          const covered = before && comparePositions(before, floor) > 0 ? before : floor;
          const { fresh, last } = freshChanges(
            batch.messages.map((m) => m.value?.toString('utf8') ?? null),
            covered,
            `${batch.topic}[${batch.partition}] from offset ${batch.firstOffset() ?? '?'}`,
          );
          if (fresh.length) {
            await applier.apply(fresh, [{ stream, position: last, rows: fresh.length, commitTime: fresh[fresh.length - 1]!.commitTime }]);
            applied.set(stream, last);
          }
          const lastOffset = batch.messages[batch.messages.length - 1]!.offset;
          await cons.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(lastOffset) + 1n).toString() }]);
          resolveOffset(lastOffset);
          await heartbeat();
        } catch (e) {
          // the offset is not committed: the batch is delivered again after the restart (and skipped where applied)
          failure = (e as Error)?.name?.startsWith('KafkaJS') ? kafkaUnavailable(o.brokers, 'the change consumer lost Kafka', e) : e;
        }
      },
    });
    running.catch((e: unknown) => {
      if (!failure) failure = kafkaUnavailable(o.brokers, 'the change consumer could not join its group', e);
    });
  } catch (e) {
    await consumer?.disconnect().catch(() => {});
    await target.end().catch(() => {});
    throw e;
  }
  const c = consumer;
  return {
    consumer: c,
    failure: () => failure,
    stop: async () => {
      await c.disconnect().catch(() => {});
      await target.end().catch(() => {});
    },
  };
}
