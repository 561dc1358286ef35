/**
 * Kafka Connect configurations equivalent to `strangler sync --via kafka`, for production scale: a Debezium
 * PostgreSQL source connector (pgoutput, its own slot and publication), a Debezium JDBC sink connector writing the
 * service tables (upsert by primary key, deletes applied), and, when the context has an outbox, a second source
 * connector that captures only the outbox table and routes it with Debezium's outbox event router to the same
 * topics strangler's relay uses. Passwords are never written: they are read by Kafka Connect's FileConfigProvider.
 * Pure: strings in, file contents out.
 */

export interface PostgresEndpoint {
  host: string;
  port: number;
  user: string;
  database: string;
}

export interface DebeziumInput {
  domain: string;
  monolith: PostgresEndpoint;
  service: PostgresEndpoint & { schema: string };
  /** Source tables, `table` or `schema.table`. */
  tables: string[];
  /** strangler's own slot, publication and topic prefix; Debezium gets its own, derived from them. */
  slot: string;
  publication: string;
  topicPrefix: string;
  outbox?: { table: string; topicPrefix?: string };
  /** Properties file on the Kafka Connect workers holding the passwords. */
  secretsFile?: string;
}

export interface ConnectorConfig {
  name: string;
  config: Record<string, string>;
}

export interface ConnectorFiles {
  files: { path: string; connector: ConnectorConfig }[];
  notes: string[];
}

/** Where the connector files go, relative to the service's folder. */
export const CONNECT_DIR = 'deploy/kafka-connect';

export const DEFAULT_SECRETS_FILE = '/opt/kafka/config/strangler-secrets.properties';

const qualify = (t: string) => (t.includes('.') ? t : `public.${t}`);
/** Debezium include lists are regular expressions matched against the whole `schema.table`. */
const includePattern = (t: string) => qualify(t).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Parses a postgres:// URL into what the connectors need (the password is left out on purpose). */
export function postgresEndpoint(url: string): PostgresEndpoint {
  const u = new URL(url);
  return {
    host: u.hostname || 'localhost',
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username || 'postgres'),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username || 'postgres'),
  };
}

const json = { 'key.converter': 'org.apache.kafka.connect.json.JsonConverter', 'key.converter.schemas.enable': 'true', 'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'true' };

function sourceDatabase(input: DebeziumInput, secret: (key: string) => string): Record<string, string> {
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '1',
    'plugin.name': 'pgoutput',
    'database.hostname': input.monolith.host,
    'database.port': String(input.monolith.port),
    'database.user': input.monolith.user,
    'database.password': secret('monolith.password'),
    'database.dbname': input.monolith.database,
    'publication.autocreate.mode': 'filtered',
    'heartbeat.interval.ms': '10000',
  };
}

export function debeziumConnectors(input: DebeziumInput): ConnectorFiles {
  const secretsFile = input.secretsFile ?? DEFAULT_SECRETS_FILE;
  const secret = (key: string) => `\${file:${secretsFile}:${input.domain}.${key}}`;
  const tables = input.tables.map(qualify);
  const cdcPrefix = `${input.topicPrefix}.debezium`;
  const topics = tables.map((t) => `${cdcPrefix}.${t}`);
  const source: ConnectorConfig = {
    name: `strangler-${input.domain}-source`,
    config: {
      ...sourceDatabase(input, secret),
      'slot.name': `${input.slot}_debezium`,
      'publication.name': `${input.publication}_debezium`,
      'table.include.list': input.tables.map(includePattern).join(','),
      'topic.prefix': cdcPrefix,
      'snapshot.mode': 'initial',
      // An update that leaves a TOASTed column unchanged carries no value for it: Debezium would emit the
      // placeholder __debezium_unavailable_value and the sink would write it. Re-read such columns instead.
      'post.processors': 'reselector',
      'reselector.type': 'io.debezium.processors.reselect.ReselectColumnsPostProcessor',
      'reselector.reselect.unavailable.values': 'true',
      'reselector.reselect.null.values': 'false',
      ...json,
    },
  };
  const sink: ConnectorConfig = {
    name: `strangler-${input.domain}-sink`,
    config: {
      'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
      'tasks.max': '1',
      topics: topics.join(','),
      // stringtype=unspecified: text values are typed by the server, so enum columns accept them
      'connection.url': `jdbc:postgresql://${input.service.host}:${input.service.port}/${input.service.database}?stringtype=unspecified`,
      'connection.username': input.service.user,
      'connection.password': secret('service.password'),
      'insert.mode': 'upsert',
      'delete.enabled': 'true',
      'primary.key.mode': 'record_key',
      'schema.evolution': 'none',
      // <prefix>.<schema>.<table> -> <table>, written to the service schema
      transforms: 'route',
      'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
      'transforms.route.regex': `${cdcPrefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.([^.]+)\\.(.+)`,
      'transforms.route.replacement': '$2',
      'table.name.format': `${input.service.schema}.\${topic}`,
      ...json,
    },
  };
  const dir = `services/${input.domain}/${CONNECT_DIR}`;
  const files = [
    { path: `${dir}/debezium-source.json`, connector: source },
    { path: `${dir}/jdbc-sink.json`, connector: sink },
  ];
  if (input.outbox) {
    files.push({
      path: `${dir}/debezium-outbox.json`,
      connector: {
        name: `strangler-${input.domain}-outbox`,
        config: {
          ...sourceDatabase(input, secret),
          'slot.name': `${input.slot}_outbox`,
          'publication.name': `${input.publication}_outbox`,
          'table.include.list': includePattern(input.outbox.table),
          'topic.prefix': `${input.topicPrefix}.outbox-cdc`,
          // only new events: rows already in the outbox were relayed before
          'snapshot.mode': 'no_data',
          transforms: 'outbox',
          'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
          'transforms.outbox.route.by.field': 'aggregatetype',
          'transforms.outbox.route.topic.replacement': `${input.outbox.topicPrefix ?? 'outbox.event'}.\${routedByValue}`,
          'transforms.outbox.table.field.event.id': 'id',
          'transforms.outbox.table.field.event.key': 'aggregateid',
          'transforms.outbox.table.field.event.payload': 'payload',
          'transforms.outbox.table.fields.additional.placement': 'type:header:eventType,aggregatetype:header:aggregateType',
          'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
          'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
        },
      },
    });
  }
  const notes = [
    `passwords come from ${secretsFile} on the Kafka Connect workers (keys ${input.domain}.monolith.password, ${input.domain}.service.password); enable it with config.providers=file and config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider`,
    `the connectors use their own slots (${input.slot}_debezium${input.outbox ? `, ${input.slot}_outbox` : ''}): stop strangler sync ${input.domain} and run strangler sync teardown ${input.domain} once they have caught up`,
    'tables without a primary key cannot be upserted or deleted by the JDBC sink: give them one, or keep them on strangler sync',
    'columns of enum array types are written by the JDBC sink as text[], which PostgreSQL refuses: keep such tables on strangler sync',
  ];
  return { files, notes };
}

export function renderConnector(c: ConnectorConfig): string {
  return `${JSON.stringify(c, null, 2)}\n`;
}

/** The connector files as a file plan's desired files (paths relative to the service's folder). */
export function connectorFiles(plan: ConnectorFiles): { path: string; contents: string }[] {
  return plan.files.map((f) => ({ path: f.path.slice(f.path.indexOf(CONNECT_DIR)), contents: renderConnector(f.connector) }));
}
