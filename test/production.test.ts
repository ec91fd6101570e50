import * as path from 'path';
import { buildStack } from '../apps/stack';
import { Service, Workload, checkParity } from '../lib';
import { composeConfig } from './helpers/compose-cli';
import { mlService, newApp } from './helpers/fixture';
import { composeErrors, k8sErrors, k8sObjects, parseStream, parseYaml, podTemplates, restrictedViolations } from './helpers/validate';

const ROOT = path.join(__dirname, '..');
const BASE = 'docker/docker-compose.base.yml';
const ML = 'docker/docker-compose.ml.yml';
const app = buildStack({ rootDir: ROOT });
const files = app.synthFiles();
const objects = k8sObjects(files);
const inProfile = (p: string, kind: string) => objects.filter(({ file, obj }) => file.startsWith(`k8s/${p}/`) && obj.kind === kind).map(({ obj }) => obj);

describe('autoscaling', () => {
  test('dist/k8s/cpu holds an autoscaling/v2 HPA on CPU for sk-regression, dist/k8s/gpu a KEDA ScaledObject on GPU and in-flight requests', () => {
    const [hpa] = inProfile('cpu', 'HorizontalPodAutoscaler');
    expect(hpa.spec).toMatchObject({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'sk-regression' }, minReplicas: 2, maxReplicas: 6 });
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    expect(inProfile('gpu', 'HorizontalPodAutoscaler')).toEqual([]);
    const [scaled] = inProfile('gpu', 'ScaledObject');
    expect(scaled.spec).toMatchObject({ scaleTargetRef: { name: 'sk-regression' }, minReplicaCount: 2, maxReplicaCount: 6, cooldownPeriod: 300 });
    // totals over the workload's own pods in its namespace, per replica (what each query does is executed against a
    // real Prometheus in test/autoscaling-prometheus.test.ts)
    const pods = 'sk-regression-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}';
    expect(scaled.spec.triggers.map((t: any) => [t.type, t.metricType, t.metadata.query, t.metadata.threshold])).toEqual([
      ['prometheus', 'AverageValue', `sum(DCGM_FI_DEV_GPU_UTIL{exported_namespace="geo",exported_pod=~"${pods}",exported_container="sk-regression"})`, '70'],
      ['prometheus', 'AverageValue', `sum(sk_regression_in_flight_requests{namespace="geo",pod=~"${pods}"})`, '4'],
    ]);
    expect(inProfile('cpu', 'ScaledObject')).toEqual([]);
  });

  test('Compose runs the minimum, and the parity check reports autoscaling as a documented difference', () => {
    for (const p of ['cpu', 'gpu', 'dev']) expect(parseYaml(files.get(ML)!).services[`sk-regression-${p}`].deploy.replicas).toBe(2);
    const diffs = checkParity(files).filter((d) => d.field === 'autoscaling');
    expect(diffs.map((d) => [d.service, d.profile, d.kubernetes])).toEqual([['sk-regression', 'cpu', '"HorizontalPodAutoscaler 2..6"'], ['sk-regression', 'gpu', '"ScaledObject 2..6"']]);
    expect(diffs.every((d) => d.expected)).toBe(true);
  });

  test('more than one replica works with model delivery (a copy per pod) and is refused without it', () => {
    expect(inProfile('gpu', 'PersistentVolumeClaim').map((c) => c.metadata.name)).not.toContain('sk-regression-models');
    const refused = newApp();
    mlService(refused, 'svc', { autoscaling: { minReplicas: 1, maxReplicas: 4 } });
    expect(() => refused.synthFiles()).toThrow(/\[svc\] replicas 4 with ReadWriteOnce volume\(s\) \["models"\].*ModelSource\.s3\(\)/);
  });

  test('Compose refuses a published host port on more than one replica', () => {
    const a = newApp();
    new Service(a, 'web', { image: 'nginx:1.27', ports: [{ port: 80, hostPort: 8080 }], autoscaling: { minReplicas: 2, maxReplicas: 3 } });
    expect(() => a.synthFiles()).toThrow(/\[web\] Compose runs 2 replicas of 'web' \(autoscaling minReplicas\) but one host port 8080 cannot be published by two containers: drop hostPort/);
  });
});

describe('availability', () => {
  test('PodDisruptionBudgets appear exactly where replicas >= 2', () => {
    for (const p of ['cpu', 'gpu']) {
      // an autoscaled workload's manifest holds no replica count: its autoscaler's minimum is what it runs at least
      const least = (d: any) => d.spec.replicas ?? [...inProfile(p, 'HorizontalPodAutoscaler'), ...inProfile(p, 'ScaledObject')]
        .filter((a) => a.spec.scaleTargetRef.name === d.metadata.name).map((a) => a.spec.minReplicas ?? a.spec.minReplicaCount)[0] ?? 1;
      const replicated = [...inProfile(p, 'Deployment'), ...inProfile(p, 'StatefulSet')].filter((d) => least(d) >= 2).map((d) => d.metadata.name).sort();
      const budgets = inProfile(p, 'PodDisruptionBudget');
      expect(budgets.map((b) => b.metadata.name).sort()).toEqual(replicated);
      expect(replicated).toEqual(['sk-regression']);
      for (const b of budgets) expect(b.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': b.metadata.name, 'app.kubernetes.io/instance': b.metadata.name } } });
    }
  });

  test('replicated pods spread across nodes; GPU pods carry the gpu-inference priority, whose PriorityClass is in the gpu folder', () => {
    const gpu = inProfile('gpu', 'Deployment').find((d) => d.metadata.name === 'sk-regression').spec.template.spec;
    expect(gpu.topologySpreadConstraints).toEqual([{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'sk-regression', 'app.kubernetes.io/instance': 'sk-regression' } } }]);
    expect(gpu.priorityClassName).toBe('gpu-inference');
    const cpu = inProfile('cpu', 'Deployment').find((d) => d.metadata.name === 'sk-regression').spec.template.spec;
    expect(cpu.priorityClassName).toBeUndefined();
    expect(inProfile('gpu', 'Deployment').find((d) => d.metadata.name === 'tile-classifier').spec.template.spec.topologySpreadConstraints).toBeUndefined();
    expect(inProfile('gpu', 'PriorityClass').map((c) => c.metadata.name)).toEqual(['gpu-inference']);
  });
});

describe('network isolation from the dependency graph', () => {
  // The expected edges come from the declaration: each workload's dependencies, plus a model source's endpoint.
  const declared = new Map<string, Set<string>>();
  for (const w of app.node.findAll().filter(Workload.isWorkload)) {
    const deps = new Set(w.dependsOn);
    const endpoint = w.model.s3?.endpoint;
    if (endpoint && typeof endpoint !== 'string') deps.add(endpoint.name);
    declared.set(w.name, deps);
  }
  const instance = (peer: any) => peer.podSelector?.matchLabels?.['app.kubernetes.io/instance'];

  test.each(['cpu', 'gpu'])('in %s, every workload has one default-deny NetworkPolicy allowing exactly the declared edges', (p) => {
    const policies = inProfile(p, 'NetworkPolicy');
    // a one-shot Job's object is named after its spec (<workload>-<hash>); its labels name the workload
    const workloads = [...inProfile(p, 'Deployment'), ...inProfile(p, 'StatefulSet'), ...inProfile(p, 'Job'), ...inProfile(p, 'CronJob')].map((o) => o.metadata.labels['app.kubernetes.io/instance']).sort();
    expect(policies.map((x) => x.metadata.name).sort()).toEqual(workloads);
    for (const np of policies) {
      const name = np.metadata.name;
      expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      const egressTo = np.spec.egress.flatMap((e: any) => e.to.map(instance)).filter(Boolean).sort();
      expect({ name, egressTo }).toEqual({ name, egressTo: [...declared.get(name)!].filter((d) => workloads.includes(d)).sort() });
      const clients = [...declared].filter(([, deps]) => deps.has(name)).map(([n]) => n).filter((n) => workloads.includes(n)).sort();
      const ingressFrom = (np.spec.ingress ?? []).flatMap((i: any) => i.from.map(instance)).filter(Boolean).sort();
      // a job has no port to be reached on
      expect({ name, ingressFrom }).toEqual({ name, ingressFrom: np.spec.ingress?.length && clients.length ? clients : [] });
      // DNS, and nothing else outside the app
      expect(np.spec.egress[0].ports).toEqual([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);
      expect(np.spec.egress.filter((e: any) => e.to.some((t: any) => t.ipBlock))).toEqual([]);
    }
    const backend = policies.find((x) => x.metadata.name === 'backend');
    expect(backend.spec.ingress).toContainEqual({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ port: 8080, protocol: 'TCP' }] });
  });

  test('Compose isolates the same edges by a network per workload; docker-compose accepts it; the rest is a documented difference', () => {
    const all = { ...parseYaml(files.get(BASE)!).services, ...parseYaml(files.get(ML)!).services };
    for (const [name, deps] of declared) {
      const key = all[name] ? name : `${name}-gpu`;
      const joined = Object.keys(all[key].networks).map((n) => n.replace(/^net-/, '')).filter((n) => n !== name).sort();
      expect({ name, joined }).toEqual({ name, joined: [...deps].sort() });
    }
    expect(composeConfig(files, [BASE, ML], ['gpu'])).toMatchObject({ ok: true });
    expect(checkParity(files).filter((d) => d.field === 'network edges')).toEqual([]);
    expect(checkParity(files).filter((d) => d.field === 'egress').every((d) => d.expected)).toBe(true);
  });
});

describe('metrics', () => {
  test('a ServiceMonitor selects sk-regression\'s Service and its metrics port', () => {
    for (const p of ['cpu', 'gpu']) {
      const [monitor] = inProfile(p, 'ServiceMonitor');
      const svc = inProfile(p, 'Service').find((s) => Object.entries<string>(monitor.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels[k] === v));
      expect(svc.metadata.name).toBe('sk-regression');
      const port = svc.spec.ports.find((x: any) => x.name === monitor.spec.endpoints[0].port);
      expect(port.port).toBe(8000);
      expect(monitor.spec.endpoints[0]).toMatchObject({ path: '/metrics', interval: '30s' });
    }
  });

  test('monitoring: annotations puts scrape annotations on the pod template instead', () => {
    const a = newApp({ monitoring: 'annotations' }, 'svc');
    mlService(a, 'svc', { metrics: { port: 8000 } });
    const out = a.synthFiles();
    const d = parseStream(out.get('k8s/cpu/svc.yaml')!);
    expect(d.map((o) => o.kind)).not.toContain('ServiceMonitor');
    expect(d[1].spec.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8000', 'prometheus.io/path': '/metrics' });
    expect(checkParity(out).filter((x) => x.field === 'scrape targets')).toEqual([]);
  });

  test('the Compose observability profile: Prometheus scrapes the same targets, DCGM exporter in the GPU profile; both validate', () => {
    const base = parseYaml(files.get(BASE)!);
    const ml = parseYaml(files.get(ML)!);
    expect(base.services.prometheus).toMatchObject({ profiles: ['observability'], image: 'prom/prometheus:v2.54.1', read_only: true });
    expect(ml.services['dcgm-exporter']).toMatchObject({ profiles: ['gpu'], image: expect.stringMatching(/^nvcr\.io\/nvidia\/k8s\/dcgm-exporter:\d/) });
    const config = parseYaml(files.get('docker/prometheus/prometheus.yml')!);
    expect(config.scrape_configs.map((s: any) => [s.job_name, s.static_configs[0].targets[0], s.metrics_path])).toEqual([
      ['sk-regression', 'sk-regression:8000', '/metrics'], ['dcgm-exporter', 'dcgm-exporter:9400', undefined],
    ]);
    expect(checkParity(files).filter((d) => d.field === 'scrape targets')).toEqual([]);
    expect(composeErrors(base)).toEqual([]);
    expect(composeErrors(ml)).toEqual([]);
    expect(composeConfig(files, [BASE, ML], ['observability', 'gpu'])).toMatchObject({ ok: true });
  });

  test('a scrape target missing on one side is a parity difference', () => {
    const broken = new Map(files);
    broken.set('docker/prometheus/prometheus.yml', files.get('docker/prometheus/prometheus.yml')!.replace('sk-regression:8000', 'sk-regression:9999'));
    expect(checkParity(broken).filter((d) => d.field === 'scrape targets').map((d) => d.profile)).toEqual(['cpu', 'gpu']);
  });
});

describe('validity', () => {
  test('every custom resource validates against its CRD schema, every core object against the Kubernetes OpenAPI', () => {
    const kinds = new Set(objects.map(({ obj }) => `${obj.apiVersion}/${obj.kind}`));
    expect([...kinds]).toEqual(expect.arrayContaining(['keda.sh/v1alpha1/ScaledObject', 'monitoring.coreos.com/v1/ServiceMonitor', 'autoscaling/v2/HorizontalPodAutoscaler', 'networking.k8s.io/v1/NetworkPolicy', 'policy/v1/PodDisruptionBudget']));
    for (const { file, obj } of objects) expect({ file, kind: obj.kind, errors: k8sErrors(obj) }).toEqual({ file, kind: obj.kind, errors: [] });
  });

  test('a custom resource that breaks its CRD schema is caught by the same validation', () => {
    const [scaled] = inProfile('gpu', 'ScaledObject');
    expect(k8sErrors({ ...scaled, spec: { ...scaled.spec, triggers: [{ metadata: {} }] } }).join()).toMatch(/must have required property 'type'/);
    const [monitor] = inProfile('gpu', 'ServiceMonitor');
    expect(k8sErrors({ ...monitor, spec: { ...monitor.spec, endpoints: [{ port: 8000 }] } }).join()).toMatch(/port.*must be string/);
  });

  test('every pod template still passes the restricted profile', () => {
    for (const p of podTemplates(objects)) expect({ file: p.file, v: restrictedViolations(p.spec) }).toEqual({ file: p.file, v: [] });
  });
});
