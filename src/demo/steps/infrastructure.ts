/** Steps 1-2: an embedded PostgreSQL with the monolith's and the service's databases, and a Kafka broker when Java is there. */
import path from 'node:path';
import { createDatabase } from '../../adapters/demo-databases.ts';
import { startEmbeddedPostgres } from '../../adapters/embedded-postgres.ts';
import { checkInterrupted, logFile, type DemoContext } from '../demo-context.ts';
import { KAFKA_VERSION, kafkaUnavailableReason, startKafkaBroker } from '../kafka-broker.ts';
import type { DemoStep } from './step.ts';

export const startPostgresStep: DemoStep = {
  id: 'postgres',
  title: 'Start an embedded PostgreSQL',
  why: () => 'A throw-away PostgreSQL server (the embedded-postgres binaries) with wal_level=logical, holding the monolith\'s database and the new service\'s own.',
  async run(ctx) {
    const dir = path.join(ctx.dataDir, 'postgres');
    // not cut short by an interruption: once started it must be registered to be stopped
    const pg = await startEmbeddedPostgres(dir, ['max_replication_slots=10', 'max_wal_senders=10']);
    ctx.registry.add({ kind: 'server', what: `embedded PostgreSQL (port ${pg.port}, data ${dir})`, ports: [pg.port], path: dir }, async () => {
      await pg.stop({ keepData: ctx.options.keep });
      if (ctx.options.keep) ctx.kept.push(dir);
    });
    checkInterrupted(ctx.signal);
    ctx.state.adminUrl = pg.adminUrl;
    ctx.state.monolithDatabase = await createDatabase(pg.adminUrl, 'shop');
    ctx.state.serviceDatabase = await createDatabase(pg.adminUrl, `${ctx.options.context.replace(/-/g, '_')}_service`);
    return `listening on 127.0.0.1:${pg.port}; databases shop (the monolith) and ${ctx.options.context.replace(/-/g, '_')}_service`;
  },
};

export const startKafkaStep: DemoStep = {
  id: 'kafka',
  title: 'Start a Kafka broker',
  why: () => 'With Java on the machine, a single-node Apache Kafka broker (KRaft, loopback) carries the changes from the monolith to the service, one topic per table.',
  async run(ctx) {
    const reason = ctx.options.noKafka ? '--no-kafka was given' : await kafkaUnavailableReason();
    if (reason) {
      ctx.state.noKafkaReason = reason;
      ctx.emit({ type: 'note', text: `no Kafka broker: ${reason}; the sync runs direct (replication slot -> service database)` });
      return `skipped (${reason}): the sync runs direct`;
    }
    const dir = path.join(ctx.dataDir, 'kafka');
    const kafka = await startKafkaBroker(dir, logFile(ctx, 'kafka.log'), ctx.signal);
    ctx.registry.add({ kind: 'broker', what: `Kafka broker (pid ${kafka.pid}, ports ${kafka.ports.join(', ')})`, pid: kafka.pid, ports: kafka.ports, path: dir }, async () => {
      await kafka.stop({ keepData: ctx.options.keep });
      if (ctx.options.keep) ctx.kept.push(dir);
    });
    ctx.state.kafkaBrokers = kafka.brokers;
    return `Kafka ${KAFKA_VERSION} on ${kafka.brokers.join(',')}`;
  },
};
