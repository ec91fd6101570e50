import { execFileSync } from 'child_process';
import * as path from 'path';
import { Size } from 'cdk8s';
import {
  DeclarationError, GpuRequest, Job, KubernetesPolicy, MlApp, NetworkIsolationPolicy, PodDisruptionBudgetPolicy,
  PolicyContext, PriorityClassPolicy, Service, StatefulService, TopologySpreadPolicy,
} from '../lib';
import { mlService, newApp } from './helpers/fixture';
import { k8sErrors, k8sObjects, podTemplates, restrictedViolations } from './helpers/validate';

const ROOT = path.join(__dirname, '..');
const img = 'busybox:1.36';

/** The problems a synth reports, or [] when it writes. */
function problems(app: MlApp): string[] {
  try {
    app.synthFiles();
    return [];
  } catch (e) {
    if (!DeclarationError.isDeclarationError(e)) throw e;
    return e.problems.map((p) => p.message);
  }
}

/** A policy of one's own that derives one PodDisruptionBudget per workload, with `spec` as given. */
function budgetPolicy(id: string, spec: Record<string, unknown>): KubernetesPolicy {
  return {
    id,
    objects: (ctx: PolicyContext) => [{ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: ctx.workload.name }, spec }],
  };
}

describe('objects of policies other than the library\'s own are validated at synth', () => {
  test('an invalid object of a policy of your own is reported with the policy, the workload and the schema error', () => {
    const app = newApp();
    new Service(app, 'web', { image: img });
    app.addPolicy(budgetPolicy('mine', { selector: 'all of them' }));
    expect(problems(app)).toEqual(expect.arrayContaining([expect.stringMatching(/an object of policy 'mine' for 'web' in profile 'cpu' is not a valid Kubernetes object \(.*selector.*\): fix it/)]));
  });

  test('a policy of your own that takes a built-in policy\'s id is validated all the same', () => {
    for (const id of ['autoscaling', 'metrics', 'pod-disruption-budget']) {
      const app = newApp();
      new Service(app, 'web', { image: img, ports: [{ port: 80 }], autoscaling: { minReplicas: 2, maxReplicas: 3 } });
      app.addPolicy(budgetPolicy(id, { selector: 'all of them' }));
      expect({ id, problems: problems(app) }).toEqual({ id, problems: expect.arrayContaining([expect.stringMatching(new RegExp(`an object of policy '${id}' for 'web'.* is not a valid Kubernetes object`))]) });
    }
  });

  test('a pod-template patch of a policy of your own that breaks the Deployment is reported', () => {
    const app = newApp();
    new Service(app, 'web', { image: img });
    app.addPolicy({ id: 'mine', objects: () => [], podTemplate: () => ({ spec: { priorityClassName: 5 } }) });
    expect(problems(app)).toEqual(expect.arrayContaining([expect.stringMatching(/the Deployment of 'web' as overridden or patched by a policy in profile 'cpu' is not a valid Kubernetes object \(.*priorityClassName.*\)/)]));
  });

  test('a subclass of a library policy, or one with a method replaced, is not the library\'s own: it is validated', () => {
    class Wider extends PodDisruptionBudgetPolicy {
      public objects(ctx: PolicyContext) {
        return super.objects(ctx).map((o) => ({ ...o, spec: { ...(o.spec as object), maxUnavailable: { percent: 50 } } }));
      }
    }
    const replaced = new PodDisruptionBudgetPolicy();
    replaced.objects = (ctx) => [{ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: ctx.workload.name }, spec: { minAvailable: [] } }];
    for (const [what, policy] of [['a subclass', new Wider()], ['a replaced method', replaced]] as const) {
      const app = newApp();
      new Service(app, 'web', { image: img, replicas: 3 });
      app.addPolicy(policy);
      expect({ what, problems: problems(app) }).toEqual({ what, problems: expect.arrayContaining([expect.stringMatching(/an object of policy 'pod-disruption-budget' for 'web'.* is not a valid Kubernetes object/)]) });
    }
  });
});

describe('the library\'s own policies, not validated at synth, build valid objects', () => {
  // Every option of each policy, on every workload kind they apply to, with and without GPUs and metrics.
  interface Options {
    zones: boolean; strict: boolean; classes: { className?: string; gpuClassName?: string; jobClassName?: string }; maxUnavailable: number;
    labels?: Record<string, string>; monitoring: 'service-monitor' | 'annotations';
  }
  const options: Options[] = [
    { zones: false, strict: false, classes: {}, maxUnavailable: 1, labels: undefined, monitoring: 'service-monitor' },
    { zones: true, strict: true, classes: { className: 'batch-low', gpuClassName: 'gpu.inference', jobClassName: 'training' }, maxUnavailable: 2, labels: { 'kubernetes.io/metadata.name': 'obs', team: 'ml_platform' }, monitoring: 'annotations' },
    { zones: true, strict: false, classes: { className: 'default' }, maxUnavailable: 5, labels: {}, monitoring: 'service-monitor' },
  ];

  test.each(options.map((o, i) => [i, o]))('option set %s: every object is valid against the Kubernetes OpenAPI and its CRD, every pod restricted', (_, o) => {
    // GPU autoscaling scopes its queries to the app's namespace
    const app = newApp({ monitoring: o.monitoring, namespace: 'ml' });
    app.addPolicy(new TopologySpreadPolicy({ zones: o.zones, strict: o.strict }));
    app.addPolicy(new PriorityClassPolicy(o.classes));
    app.addPolicy(new PodDisruptionBudgetPolicy({ maxUnavailable: o.maxUnavailable }));
    app.addPolicy(new NetworkIsolationPolicy({ monitoringNamespaceLabels: o.labels }));
    const db = new StatefulService(app, 'db', { image: 'postgres:16.4-bookworm', ports: [{ port: 5432 }], replicas: 3, volumes: [{ name: 'data', path: '/var/lib/postgresql/data', size: Size.gibibytes(1) }] });
    new Service(app, 'web', {
      image: 'nginx:1.27', ports: [{ port: 80, hostPort: 8080 }], replicas: 4, dependsOn: [db],
      ingressFrom: [{ cidr: '10.0.0.0/8' }, { namespaceLabels: { team: 'edge' }, podLabels: { role: 'proxy' } }],
      egress: [{ cidr: '52.95.0.0/16', port: 443 }, { cidr: '10.1.0.0/16', port: 53, protocol: 'UDP' }],
    });
    const infer = { image: 'ghcr.io/acme/infer:1.0', ports: [{ port: 8000 }], metrics: { port: 8000 } };
    new Service(app, 'gpu-svc', { ...infer, gpu: GpuRequest.whole(1), autoscaling: { minReplicas: 2, maxReplicas: 6 } });
    new Service(app, 'cpu-svc', { ...infer, autoscaling: { minReplicas: 2, maxReplicas: 4 } });
    mlService(app, 'one-gpu', { gpu: GpuRequest.whole(1), port: 8000 });
    new Job(app, 'once', { image: img, command: ['true'] });
    const objects = k8sObjects(app.synthFiles());
    const kinds = new Set(objects.map(({ obj }) => obj.kind));
    expect([...kinds]).toEqual(expect.arrayContaining(['PodDisruptionBudget', 'NetworkPolicy', 'HorizontalPodAutoscaler', 'ScaledObject', 'StatefulSet', 'Deployment', 'Job']));
    // the patches are there: spread constraints, priority classes
    const templates = podTemplates(objects);
    expect(templates.some((t) => t.spec.topologySpreadConstraints?.length === (o.zones ? 2 : 1))).toBe(true);
    if (o.classes.className) expect(templates.some((t) => t.spec.priorityClassName === o.classes.className)).toBe(true);
    for (const { file, obj } of objects) expect({ file, kind: obj.kind, errors: k8sErrors(obj) }).toEqual({ file, kind: obj.kind, errors: [] });
    for (const t of templates) expect({ file: t.file, v: restrictedViolations(t.spec) }).toEqual({ file: t.file, v: [] });
  });

  // Every combination of each shipped policy's options (its choices, and a boundary value of each number), one policy
  // at a time beside the built-in autoscaling and metrics policies, under both monitoring modes.
  const combos: Array<[string, KubernetesPolicy, 'service-monitor' | 'annotations']> = [];
  for (const monitoring of ['service-monitor', 'annotations'] as const) {
    for (const zones of [false, true]) for (const strict of [false, true]) combos.push([`spread zones=${zones} strict=${strict}`, new TopologySpreadPolicy({ zones, strict }), monitoring]);
    for (const className of [undefined, 'batch-low']) {
      for (const gpuClassName of [undefined, 'gpu.inference']) {
        for (const jobClassName of [undefined, 'training']) combos.push([`priority ${className}/${gpuClassName}/${jobClassName}`, new PriorityClassPolicy({ className, gpuClassName, jobClassName }), monitoring]);
      }
    }
    for (const maxUnavailable of [1, 2, 1000]) combos.push([`budget maxUnavailable=${maxUnavailable}`, new PodDisruptionBudgetPolicy({ maxUnavailable }), monitoring]);
    for (const labels of [undefined, {}, { 'kubernetes.io/metadata.name': 'obs', team: 'ml_platform' }] as Array<Record<string, string> | undefined>) combos.push([`isolation labels=${JSON.stringify(labels)}`, new NetworkIsolationPolicy({ monitoringNamespaceLabels: labels }), monitoring]);
  }

  test.each(combos.map(([name, policy, monitoring]) => [`${name} (${monitoring})`, policy, monitoring] as const))('every option combination: %s builds valid objects and restricted pods', (_, policy, monitoring) => {
    const app = newApp({ monitoring, namespace: 'ml' });
    app.addPolicy(policy);
    const db = new StatefulService(app, 'db', { image: 'postgres:16.4-bookworm', ports: [{ port: 5432 }], replicas: 3, volumes: [{ name: 'data', path: '/var/lib/postgresql/data', size: Size.gibibytes(1) }] });
    new Service(app, 'web', { image: 'nginx:1.27', ports: [{ port: 80, hostPort: 8080 }], replicas: 4, dependsOn: [db], ingressFrom: [{ cidr: '10.0.0.0/8' }], egress: [{ cidr: '52.95.0.0/16', port: 443 }] });
    const infer = { image: 'ghcr.io/acme/infer:1.0', ports: [{ port: 8000 }], metrics: { port: 8000 } };
    new Service(app, 'gpu-svc', { ...infer, gpu: GpuRequest.whole(2), autoscaling: { minReplicas: 1, maxReplicas: 6, inFlightRequests: { metric: 'in_flight', perReplica: 4 } } });
    new Service(app, 'cpu-svc', { ...infer, autoscaling: { minReplicas: 2, maxReplicas: 4, memoryUtilization: 80 } });
    new Job(app, 'once', { image: img, command: ['true'], gpu: GpuRequest.whole(1) });
    new Job(app, 'nightly', { image: img, command: ['true'], schedule: '0 3 * * *' });
    const objects = k8sObjects(app.synthFiles());
    for (const { file, obj } of objects) expect({ file, kind: obj.kind, errors: k8sErrors(obj) }).toEqual({ file, kind: obj.kind, errors: [] });
    for (const t of podTemplates(objects)) expect({ file: t.file, v: restrictedViolations(t.spec) }).toEqual({ file: t.file, v: [] });
  });

  test('NetworkIsolationPolicy refuses monitoring namespace labels Kubernetes would refuse', () => {
    expect(() => new NetworkIsolationPolicy({ monitoringNamespaceLabels: { 'bad key!': 'x' } })).toThrow(/monitoringNamespaceLabels key 'bad key!' is not a Kubernetes label key/);
    expect(() => new NetworkIsolationPolicy({ monitoringNamespaceLabels: { team: '-edge' } })).toThrow(/monitoringNamespaceLabels value "-edge" of 'team' is not a Kubernetes label value/);
    expect(() => new NetworkIsolationPolicy({ monitoringNamespaceLabels: { team: 7 as unknown as string } })).toThrow(/value 7 of 'team'/);
    expect(() => new NetworkIsolationPolicy({ monitoringNamespaceLabels: { 'example.com/team': 'a.b_c-d' } })).not.toThrow();
  });

  test('the repository\'s stack, which uses only the library\'s policies, synthesizes without loading kubernetes-models', () => {
    const program = `
      const { buildStack } = require(${JSON.stringify(path.join(ROOT, 'apps/stack'))});
      const files = buildStack({ rootDir: ${JSON.stringify(ROOT)} }).synthFiles();
      process.stdout.write(JSON.stringify({ files: files.size, loaded: Object.keys(require.cache).filter((f) => f.includes('/node_modules/kubernetes-models/')).length }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', program], { cwd: ROOT, encoding: 'utf8' })) as { files: number; loaded: number };
    expect(out.files).toBeGreaterThan(20);
    expect(out.loaded).toBe(0);
  });
});
