/**
 * The Kafka adapter: the only place product code creates kafkajs clients.
 * Connection failures become EnvironmentError (exit 3) naming the brokers.
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

export function createKafka(options: KafkaOptions): Kafka {
  return new Kafka({
    clientId: options.clientId ?? 'strangler',
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeoutMs ?? 5_000,
    retry: { retries: options.retries ?? 5, initialRetryTime: 200 },
    logLevel: logLevel.NOTHING,
  });
}

/** Connects an admin client, or throws an EnvironmentError that names the brokers. */
export async function connectAdmin(kafka: Kafka, brokers: string[]): Promise<Admin> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (e) {
    await admin.disconnect().catch(() => {});
    throw new EnvironmentError(
      `cannot reach the Kafka brokers ${brokers.join(',')}: ${(e as Error).message}`,
      'is Kafka running there? check kafka.brokers in strangler.yaml',
      { cause: e },
    );
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
