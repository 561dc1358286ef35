/**
 * The production kit's objects: valid against the Kubernetes API schemas pinned by kubernetes-models 4.5.1, with
 * a restricted securityContext and no Secret written; the Helm chart's templates rendered with its values.yaml
 * (by a small renderer of the `{{ .Values.x }}` / `| quote` forms the chart uses) give the plain manifests.
 */
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { defaultDeployValues, deployObjects, helmChart, plainManifests } from '../../../src/generators/service/deploy-model.ts';

const values = defaultDeployValues('catalog-service', 4002, 'DATABASE_URL');
const MODELS: Record<string, new (o: never) => { validate(): void }> = { ConfigMap, Service, Deployment, HorizontalPodAutoscaler, PodDisruptionBudget, NetworkPolicy } as never;

/** Renders the chart's template forms with values: `{{ .Values.a.b | quote }}` and `{{ .Values.a.b }}`. */
function renderHelm(template: string, vals: unknown): string {
  const get = (p: string) => {
    const v = p.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], vals);
    if (v === undefined) throw new Error(`no value ${p}`);
    return v;
  };
  return template
    .replace(/\{\{ \.Values\.([\w.]+) \| quote \}\}/g, (_m, p: string) => JSON.stringify(String(get(p))))
    .replace(/\{\{ \.Values\.([\w.]+) \}\}/g, (_m, p: string) => String(get(p)))
    .replace(/\{\{[^}]*\}\}/g, (m) => {
      throw new Error(`unrendered template expression ${m}`);
    });
}

describe('deploy model', () => {
  it('gives objects that validate against the pinned Kubernetes API schemas', () => {
    const objects = plainManifests(values).map((f) => parse(f.contents));
    expect(objects.map((o) => o.kind)).toEqual(['ConfigMap', 'Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy']);
    for (const o of objects) expect(() => new MODELS[o.kind]!(o as never).validate(), o.kind).not.toThrow();
    // a broken object is refused: the validation can fail
    const bad = structuredClone(objects[1]);
    bad.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(() => new Deployment(bad).validate()).toThrow(/containerPort/);
  });

  it('runs restricted: non-root, no privilege escalation, read-only root, all capabilities dropped, secrets referenced', () => {
    const d = deployObjects(values)[1] as any;
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.resources.limits).toEqual({ cpu: '500m', memory: '256Mi' });
    expect(c.env).toEqual([
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'catalog-service-db', key: 'DATABASE_URL' } } },
      { name: 'MONOLITH_DATABASE_URL', valueFrom: { secretKeyRef: { name: 'catalog-service-db', key: 'MONOLITH_DATABASE_URL', optional: true } } },
    ]);
    expect(deployObjects(values).some((o) => o.kind === 'Secret')).toBe(false);
  });

  it('the Helm chart with its default values renders the same objects as the plain manifests', () => {
    const chart = helmChart(values);
    const vals = parse(chart.find((f) => f.path.endsWith('/values.yaml'))!.contents);
    const templates = chart.filter((f) => f.path.includes('/templates/'));
    expect(templates.map((t) => t.path.split('/').pop())).toEqual(plainManifests(values).map((f) => f.path.split('/').pop()));
    for (const t of templates) expect(t.contents).toContain('{{ .Values.');
    const rendered = templates.map((t) => parseAllDocuments(renderHelm(t.contents, vals)).map((d) => d.toJS()));
    expect(rendered.flat()).toEqual(plainManifests(values).map((f) => parse(f.contents)));
    // values flow through: another tag and replica count change the rendered Deployment
    const other = { ...vals, replicas: 5, image: { ...vals.image, tag: '2.0.0' } };
    const deployment = parse(renderHelm(templates.find((t) => t.path.endsWith('deployment.yaml'))!.contents, other));
    expect(deployment.spec.replicas).toBe(5);
    expect(deployment.spec.template.spec.containers[0].image).toBe('catalog-service:2.0.0');
    expect(() => new Deployment(deployment).validate()).not.toThrow();
  });
});
