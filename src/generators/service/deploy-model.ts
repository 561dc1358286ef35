/**
 * The service's Kubernetes objects from one model: the plain manifests are the objects rendered with the default
 * values, the Helm chart's templates are the same objects rendered with `{{ .Values.* }}` in place of each value,
 * and its values.yaml holds the defaults, so the chart's defaults give the plain manifests. Secrets are referenced
 * (secretKeyRef), never written. Pure.
 */
import { stringify } from 'yaml';

export interface DeployValues {
  name: string;
  image: { repository: string; tag: string; pullPolicy: string };
  replicas: number;
  port: number;
  resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
  autoscaling: { minReplicas: number; maxReplicas: number; targetCPUUtilizationPercentage: number };
  podDisruptionBudget: { minAvailable: number };
  database: { secretName: string; secretKey: string; env: string; port: number };
  logLevel: string;
  otlpEndpoint: string;
}

export function defaultDeployValues(serviceName: string, port: number, databaseEnv: string): DeployValues {
  return {
    name: serviceName,
    image: { repository: serviceName, tag: '0.1.0', pullPolicy: 'IfNotPresent' },
    replicas: 2,
    port,
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    autoscaling: { minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 70 },
    podDisruptionBudget: { minAvailable: 1 },
    database: { secretName: `${serviceName}-db`, secretKey: databaseEnv, env: databaseEnv, port: 5432 },
    logLevel: 'info',
    otlpEndpoint: 'http://otel-collector:4318',
  };
}

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [k: string]: unknown };

/** A value written as a string in any rendering (ConfigMap data, env values). */
const asString = (x: unknown) => (typeof x === 'string' && /^@@[\w.]+@@$/.test(x) ? x.replace(/@@$/, '|quote@@') : String(x));

export function deployObjects(v: DeployValues): K8sObject[] {
  const labels = { 'app.kubernetes.io/name': v.name, 'app.kubernetes.io/part-of': 'strangler' };
  const meta = (suffix = '') => ({ name: `${v.name}${suffix}`, labels });
  const probe = (path: string, period: number) => ({ httpGet: { path, port: 'http' }, periodSeconds: period, timeoutSeconds: 2, failureThreshold: 3 });
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(), data: { PORT: asString(v.port), LOG_LEVEL: v.logLevel, OTEL_SERVICE_NAME: v.name, OTEL_EXPORTER_OTLP_ENDPOINT: v.otlpEndpoint } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(),
      spec: {
        replicas: v.replicas,
        selector: { matchLabels: { 'app.kubernetes.io/name': v.name } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 30,
            securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'service',
                image: `${v.image.repository}:${v.image.tag}`,
                imagePullPolicy: v.image.pullPolicy,
                ports: [{ name: 'http', containerPort: v.port, protocol: 'TCP' }],
                envFrom: [{ configMapRef: { name: v.name } }],
                env: [
                  { name: v.database.env, valueFrom: { secretKeyRef: { name: v.database.secretName, key: v.database.secretKey } } },
                  // read by the moved code's seams (SEAMS.md) until they are cut; optional once none is left
                  { name: 'MONOLITH_DATABASE_URL', valueFrom: { secretKeyRef: { name: v.database.secretName, key: 'MONOLITH_DATABASE_URL', optional: true } } },
                ],
                readinessProbe: probe('/readyz', 5),
                livenessProbe: probe('/healthz', 10),
                startupProbe: { ...probe('/healthz', 2), failureThreshold: 30 },
                resources: v.resources,
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
              },
            ],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: meta(), spec: { type: 'ClusterIP', selector: { 'app.kubernetes.io/name': v.name }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] } },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta(),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: v.name },
        minReplicas: v.autoscaling.minReplicas,
        maxReplicas: v.autoscaling.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: v.autoscaling.targetCPUUtilizationPercentage } } }],
      },
    },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(), spec: { minAvailable: v.podDisruptionBudget.minAvailable, selector: { matchLabels: { 'app.kubernetes.io/name': v.name } } } },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(),
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': v.name } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: {} }], ports: [{ port: v.port, protocol: 'TCP' }] }],
        egress: [
          { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
          { ports: [{ port: v.database.port, protocol: 'TCP' }] },
          { ports: [{ port: 4318, protocol: 'TCP' }] },
        ],
      },
    },
  ];
}

const fileName = (o: K8sObject) => o.kind.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();

/** deploy/k8s/<kind>.yaml: the objects with the default values. */
export function plainManifests(v: DeployValues): { path: string; contents: string }[] {
  return deployObjects(v).map((o) => ({ path: `deploy/k8s/${fileName(o)}.yaml`, contents: stringify(o, { lineWidth: 0 }) }));
}

function placeholders(value: unknown, prefix = ''): unknown {
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, placeholders(x, prefix ? `${prefix}.${k}` : k)]));
  }
  return `@@${prefix}@@`;
}

function lookup(values: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], values);
}

/** deploy/helm/<name>/: Chart.yaml, values.yaml and one template per object. */
export function helmChart(v: DeployValues): { path: string; contents: string }[] {
  const dir = `deploy/helm/${v.name}`;
  const objects = deployObjects(placeholders(v) as DeployValues);
  const toHelm = (text: string) =>
    text
      .replace(/(["']?)@@([\w.]+)(\|quote)?@@\1(?=\s*$)/gm, (_m, _q, p: string, quote?: string) => (quote || typeof lookup(v, p) === 'string' ? `{{ .Values.${p} | quote }}` : `{{ .Values.${p} }}`))
      .replace(/@@([\w.]+)(\|quote)?@@/g, (_m, p: string) => `{{ .Values.${p} }}`);
  return [
    { path: `${dir}/Chart.yaml`, contents: stringify({ apiVersion: 'v2', name: v.name, description: `${v.name}, extracted by strangler`, type: 'application', version: '0.1.0', appVersion: v.image.tag }) },
    { path: `${dir}/values.yaml`, contents: stringify(v, { lineWidth: 0 }) },
    ...objects.map((o) => ({ path: `${dir}/templates/${fileName(o)}.yaml`, contents: toHelm(stringify(o, { lineWidth: 0 })) })),
  ];
}
