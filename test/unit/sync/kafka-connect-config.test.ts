import { describe, expect, it } from 'vitest';
import { debeziumConnectors, postgresEndpoint, renderConnector } from '../../../src/generators/debezium-connectors.ts';

const input = {
  domain: 'catalog',
  monolith: postgresEndpoint('postgres://shop:s3cr3t-pw@db.internal:6543/shop'),
  service: { ...postgresEndpoint('postgres://catalog@catalog-db/catalog'), schema: 'public' },
  tables: ['products', 'app.categories'],
  slot: 'strangler_catalog',
  publication: 'strangler_catalog',
  topicPrefix: 'strangler.catalog',
};

describe('Debezium connector configs', () => {
  it('configures the PostgreSQL source connector with the keys Debezium documents', () => {
    const { files } = debeziumConnectors(input);
    const source = files.find((f) => f.path.endsWith('debezium-source.json'))!;
    expect(source.path).toBe('services/catalog/deploy/kafka-connect/debezium-source.json');
    expect(source.connector.name).toBe('strangler-catalog-source');
    expect(source.connector.config).toMatchObject({
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'plugin.name': 'pgoutput',
      'database.hostname': 'db.internal',
      'database.port': '6543',
      'database.user': 'shop',
      'database.dbname': 'shop',
      'slot.name': 'strangler_catalog_debezium',
      'publication.name': 'strangler_catalog_debezium',
      'publication.autocreate.mode': 'filtered',
      'table.include.list': 'public\\.products,app\\.categories',
      'topic.prefix': 'strangler.catalog.debezium',
      'snapshot.mode': 'initial',
    });
  });

  it('re-reads TOASTed columns an update left unchanged instead of emitting a placeholder', () => {
    const source = debeziumConnectors(input).files[0]!.connector.config;
    expect(source).toMatchObject({
      'post.processors': 'reselector',
      'reselector.type': 'io.debezium.processors.reselect.ReselectColumnsPostProcessor',
      'reselector.reselect.unavailable.values': 'true',
      // a NULL is a value, not a missing one: no query per NULL column
      'reselector.reselect.null.values': 'false',
    });
    // only change events of the data tables have such columns
    const outbox = debeziumConnectors({ ...input, outbox: { table: 'outbox' } }).files.find((f) => f.path.endsWith('debezium-outbox.json'))!;
    expect(outbox.connector.config['post.processors']).toBeUndefined();
  });

  it('configures the JDBC sink to upsert by key and apply deletes into the service schema', () => {
    const sink = debeziumConnectors(input).files.find((f) => f.path.endsWith('jdbc-sink.json'))!.connector.config;
    expect(sink).toMatchObject({
      'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
      topics: 'strangler.catalog.debezium.public.products,strangler.catalog.debezium.app.categories',
      // the server types the text values: enum columns accept them
      'connection.url': 'jdbc:postgresql://catalog-db:5432/catalog?stringtype=unspecified',
      'connection.username': 'catalog',
      'insert.mode': 'upsert',
      'delete.enabled': 'true',
      'primary.key.mode': 'record_key',
      'table.name.format': 'public.${topic}',
      'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
    });
    // the router turns each topic into its table name
    const re = new RegExp(`^${sink['transforms.route.regex']}$`);
    expect('strangler.catalog.debezium.public.products'.replace(re, sink['transforms.route.replacement']!.replace('$2', '$$2'))).toBe('products');
  });

  it('never writes a password: they come from a config provider', () => {
    const text = debeziumConnectors(input).files.map((f) => renderConnector(f.connector)).join('\n');
    expect(text).not.toContain('s3cr3t-pw');
    const source = debeziumConnectors(input).files[0]!.connector.config;
    expect(source['database.password']).toBe('${file:/opt/kafka/config/strangler-secrets.properties:catalog.monolith.password}');
  });

  it('adds an outbox connector routing events like strangler relay does', () => {
    const { files, notes } = debeziumConnectors({ ...input, outbox: { table: 'outbox' } });
    const outbox = files.find((f) => f.path.endsWith('debezium-outbox.json'))!.connector.config;
    expect(outbox).toMatchObject({
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'table.include.list': 'public\\.outbox',
      'slot.name': 'strangler_catalog_outbox',
      transforms: 'outbox',
      'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
      'transforms.outbox.route.by.field': 'aggregatetype',
      'transforms.outbox.route.topic.replacement': 'outbox.event.${routedByValue}',
      'transforms.outbox.table.field.event.key': 'aggregateid',
    });
    expect(notes.join('\n')).toMatch(/strangler_catalog_outbox/);
    expect(notes.join('\n')).toMatch(/enum array types .* keep such tables on strangler sync/);
    expect(debeziumConnectors(input).files).toHaveLength(2);
  });
});
