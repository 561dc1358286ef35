/**
 * The Kafka adapter: the only place product code creates kafkajs clients.
 * Connection failures become KafkaUnavailableError (an EnvironmentError, exit 3) naming the brokers; sync treats
 * it as transient and retries with backoff.
 */
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { EnvironmentError } from '../errors.ts';

export interface KafkaOptions {
  brokers: string[];
  clientId?: string;
  /** Connection timeout per broker (ms). */
  connectionTimeoutMs?: number;
  /** Retries before a request fails. */
  retries?: number;
}

/** The brokers could not be reached or did not acknowledge: worth retrying later. */
export class KafkaUnavailableError extends EnvironmentError {
  readonly transient = true;
}

export function createKafka(options: KafkaOptions): Kafka {
  return new Kafka({
    clientId: options.clientId ?? 'strangler',
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeoutMs ?? 5_000,
    retry: { retries: options.retries ?? 5, initialRetryTime: 200 },
    logLevel: logLevel.NOTHING,
  });
}

/** Wraps a kafkajs failure into an error that names the brokers and says what to check. */
export function kafkaUnavailable(brokers: string[], what: string, e: unknown): KafkaUnavailableError {
  const reason = (e as Error)?.message ?? String(e);
  return new KafkaUnavailableError(`${what} (brokers ${brokers.join(',')}): ${reason}`, 'is Kafka running there? check kafka.brokers in strangler.yaml', {
    cause: e,
  });
}

/** Connects an admin client, or throws a KafkaUnavailableError that names the brokers. */
export async function connectAdmin(kafka: Kafka, brokers: string[], options: { retries?: number } = {}): Promise<Admin> {
  const admin = kafka.admin(options.retries === undefined ? undefined : { retry: { retries: options.retries, initialRetryTime: 200 } });
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (e) {
    await admin.disconnect().catch(() => {});
    throw kafkaUnavailable(brokers, 'cannot reach Kafka', e);
  }
  return admin;
}

/** Creates the topics that do not exist yet. */
export async function ensureTopics(admin: Admin, topics: string[], options: { partitions?: number } = {}): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions: options.partitions ?? 1 })),
    });
  }
  return missing;
}
