import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { statefulGpuApp } from './apps/stateful-gpu';
import { readTree, tempRoot } from './helpers/fixture';
import { Target, desiredReplicas } from './helpers/hpa';
import { Prometheus, exporter } from './helpers/prometheus';
import { k8sObjects, parseStream } from './helpers/validate';

/*
 * What the emitted autoscalers do, executed: every query of every emitted KEDA ScaledObject runs in a real
 * Prometheus (Debian's, started here on loopback) that scrapes a fake DCGM exporter and the pods' in-flight gauges
 * served by this test, and the replica count follows the HPA's documented arithmetic (helpers/hpa.ts) step by step.
 * The repository's stack is read from dist/ as committed; the second app (test/apps/stateful-gpu.ts) is synthesized.
 *
 * The exporter labels each series with the pod holding the GPU. Prometheus scrapes it twice, as the two kinds of
 * cluster do: once with `honor_labels: false` and the exporter's own pod as target labels (the GPU Operator's and the
 * dcgm-exporter chart's ServiceMonitor), where Prometheus itself renames the workload's labels to `exported_*`; once
 * with `honor_labels: true` (GKE's managed collection), where they stay `pod` / `namespace` / `container`.
 */

const ROOT = path.join(__dirname, '..');

/** The files under dist/ as committed (test/dist.test.ts proves they are what synth writes). */
const distFiles = () => readTree(path.join(ROOT, 'dist'));

interface Pod {
  readonly name: string;
  readonly namespace: string;
  readonly container: string;
  readonly gpus: number;
  /** Whether it serves requests (and exports the in-flight gauge); a job's pod does not. */
  readonly serves: boolean;
}
interface Load { readonly util: number; readonly inFlight: number }

// Generated name parts use k8s.io/apimachinery/pkg/util/rand's alphabet (no vowels, no 0, 1, 3).
const SUFFIXES = ['x2kqz', 'b7mnp', 'c4vwr', 'd9hjk', 'f5lst', 'g6qxz', 'h8bcd', 'j2fgh', 'k4mnq', 'l5prs', 'm7twv', 'n9xzb'];

/** The pods a controller of `kind` named `name` makes: `<name>-<hash>-<suffix>` or `<name>-<ordinal>`. */
function podsOf(kind: string, name: string, namespace: string, n: number, gpus: number): Pod[] {
  return Array.from({ length: n }, (_, i) => ({
    name: kind === 'StatefulSet' ? `${name}-${i}` : `${name}-7d9c5b8f4-${SUFFIXES[i]}`, namespace, container: name, gpus, serves: true,
  }));
}

/** Exposition lines of DCGM's GPU utilisation for pods, one series per GPU, labelled as dcgm-exporter does. */
function dcgmLines(pods: Array<Pod & Load>): string[] {
  return pods.flatMap((p, i) => Array.from({ length: p.gpus }, (_, g) =>
    `DCGM_FI_DEV_GPU_UTIL{gpu="${g}",UUID="GPU-${i}-${g}",device="nvidia${g}",modelName="NVIDIA L4",Hostname="gpu-node-${i}",container="${p.container}",namespace="${p.namespace}",pod="${p.name}"} ${p.util}`));
}

interface Scenario {
  readonly app: string;
  readonly profile: string;
  readonly files: Map<string, string>;
  /** The objects as they are applied, when a Kustomize overlay moved them; else those of `files`. */
  readonly applied?: any[];
  /** Namespaces where namesakes of the workload run too (busy), beside `<namespace>-staging`. */
  readonly namesakesIn?: string[];
}

/**
 * The objects of a profile folder as `kubectl kustomize` renders them through an overlay that moves them to
 * `namespace` with the folder's namespace-scope transformer, as docs/production-kubernetes.md says to.
 */
function overlaid(files: Map<string, string>, profile: string, namespace: string): any[] {
  const kubectl = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => fs.existsSync(p));
  if (!kubectl) throw new Error('kubectl is not installed: this test renders a Kustomize overlay with kubectl kustomize');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-overlay-'));
  for (const [f, text] of files) {
    if (!f.startsWith(`k8s/${profile}/`)) continue;
    fs.mkdirSync(path.dirname(path.join(work, f)), { recursive: true });
    fs.writeFileSync(path.join(work, f), text);
  }
  fs.mkdirSync(path.join(work, 'prod'));
  fs.writeFileSync(path.join(work, 'prod/kustomization.yaml'), `resources: [../k8s/${profile}]\nnamespace: ${namespace}\ntransformers: [../k8s/${profile}/namespace-scope]\n`);
  return parseStream(execFileSync(kubectl, ['kustomize', path.join(work, 'prod')], { encoding: 'utf8' }));
}

const second = statefulGpuApp(tempRoot()).synthFiles();
const scenarios: Scenario[] = [
  { app: 'the repository stack (dist/)', profile: 'gpu', files: distFiles() },
  { app: 'a GPU StatefulService on GKE (test/apps/stateful-gpu.ts)', profile: 'gke', files: second },
  {
    app: 'the same, moved by a Kustomize overlay to namespace ranking-prod', profile: 'gke', files: second,
    applied: overlaid(second, 'gke', 'ranking-prod'), namesakesIn: ['ranking'],
  },
];

let prometheus: Prometheus;
let current: { dcgm: string[]; pods: string[] } = { dcgm: [], pods: [] };
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  const dcgm = await exporter(() => `# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n${current.dcgm.join('\n')}\n`);
  const pods = await exporter(() => `${current.pods.join('\n')}\n`);
  closers.push(dcgm.close, pods.close);
  prometheus = await Prometheus.start([
    { name: 'dcgm-service-monitor', port: dcgm.port, honorLabels: false, labels: { namespace: 'gpu-operator', pod: 'nvidia-dcgm-exporter-x7k2p', container: 'nvidia-dcgm-exporter' } },
    { name: 'dcgm-managed', port: dcgm.port, honorLabels: true },
    // each pod's own metrics, labelled with its pod and namespace as a ServiceMonitor's targets are
    { name: 'pods', port: pods.port, honorLabels: true },
  ]);
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  for (const c of closers) await c();
});

/**
 * Steps the autoscaler from its minimum: each step puts the workload's current pods under `load` (beside the
 * `others`, always busy), lets Prometheus scrape, runs every trigger's query and applies the HPA's arithmetic, until
 * the count settles. Returns the counts it went through.
 */
async function run(scaled: any, controller: any, gpus: number, load: Load, others: Array<Pod & Load>): Promise<number[]> {
  const { minReplicaCount: min, maxReplicaCount: max } = scaled.spec;
  const counts = [min];
  for (let step = 0; step < 12; step++) {
    const r = counts[counts.length - 1];
    const mine = podsOf(controller.kind, controller.metadata.name, controller.metadata.namespace, r, gpus).map((p) => ({ ...p, ...load }));
    const everyone = [...mine, ...others];
    const inFlightMetric = scaled.spec.triggers.find((t: any) => t.name === 'in-flight-requests')?.metadata.query.match(/^sum\(([a-z_:]+)\{/)?.[1];
    current = {
      dcgm: dcgmLines(everyone.filter((p) => p.gpus > 0)),
      pods: inFlightMetric ? everyone.filter((p) => p.serves).map((p) => `${inFlightMetric}{namespace="${p.namespace}",pod="${p.name}"} ${p.inFlight}`) : [],
    };
    await prometheus.freshScrape();
    const metrics: Target[] = [];
    for (const t of scaled.spec.triggers) {
      expect(t.type).toBe('prometheus');
      const samples = await prometheus.query(t.metadata.query);
      // KEDA reads the first sample; an empty result is 0 (ignoreNullValues, its default)
      expect(samples.length).toBeLessThanOrEqual(1);
      metrics.push({ type: t.metricType ?? 'AverageValue', target: Number(t.metadata.threshold), value: samples[0]?.value ?? 0 });
    }
    const next = desiredReplicas(r, metrics, Math.max(1, min), max);
    if (next === r) break;
    counts.push(next);
  }
  return counts;
}

describe.each(scenarios)('GPU autoscaling of $app, profile $profile, executed', ({ files, profile, applied, namesakesIn }) => {
  const objects = applied ?? k8sObjects(files).filter(({ file }) => file.startsWith(`k8s/${profile}/`)).map(({ obj }) => obj);
  const scaledObjects = objects.filter((o) => o.kind === 'ScaledObject');
  const controllerOf = (so: any) => objects.find((o) => o.kind === so.spec.scaleTargetRef.kind && o.metadata.name === so.spec.scaleTargetRef.name);
  const gpusOf = (c: any) => Number(c.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']);

  test('there is a GPU ScaledObject to run', () => {
    expect(scaledObjects.map((s) => s.spec.scaleTargetRef.kind)).toContain(profile === 'gke' ? 'StatefulSet' : 'Deployment');
  });

  /** Busy pods that are not the workload's: its training jobs' pods, and the same workload in another namespace. */
  const others = (c: any, gpus: number): Array<Pod & Load> => {
    const name = c.metadata.name;
    const ns = c.metadata.namespace;
    const jobs = objects.filter((o) => o.kind === 'Job' || o.kind === 'CronJob').map((j) => ({
      name: j.kind === 'Job' ? `${j.metadata.name}-${SUFFIXES[0]}` : `${j.metadata.name}-29012345-${SUFFIXES[1]}`,
      namespace: ns, container: j.metadata.labels['app.kubernetes.io/instance'], gpus: 1, serves: false,
    }));
    const elsewhere = [`${ns}-staging`, ...(namesakesIn ?? [])].flatMap((n) => podsOf(c.kind, name, n, 3, gpus));
    // a sibling whose name starts with the workload's (a canary), in the same namespace
    const canary = podsOf(c.kind, `${name}-canary`, ns, 2, gpus);
    return [...jobs, ...elsewhere, ...canary].map((p) => ({ ...p, util: 100, inFlight: 1000 }));
  };

  // each trigger alone: the other metrics idle, so that one trigger's arithmetic is what reaches the maximum
  const triggers = scaledObjects.flatMap((so) => so.spec.triggers.map((t: any) => [`${so.metadata.name} ${t.name}`, so, t.name]));
  test.each(triggers)('%s: saturated alone, it scales the workload step by step to maxReplicas', async (_, so: any, trigger: string) => {
    const c = controllerOf(so);
    const perReplica = Number(so.spec.triggers.find((t: any) => t.name === 'in-flight-requests')?.metadata.threshold ?? 1);
    const load = trigger === 'gpu-utilization' ? { util: 100, inFlight: 0 } : { util: 0, inFlight: 2 * perReplica };
    const counts = await run(so, c, gpusOf(c), load, []);
    expect({ counts, last: counts[counts.length - 1] }).toEqual({ counts, last: so.spec.maxReplicaCount });
    expect(counts.length).toBeGreaterThan(1);
  }, 60_000);

  test.each(scaledObjects.map((s) => [s.metadata.name, s]))('%s: idle, it settles at minReplicas even while its jobs and its namesakes elsewhere are busy', async (_, so: any) => {
    const c = controllerOf(so);
    const counts = await run(so, c, gpusOf(c), { util: 0, inFlight: 0 }, others(c, gpusOf(c)));
    expect(counts).toEqual([so.spec.minReplicaCount]);
  }, 60_000);

  test.each(scaledObjects.map((s) => [s.metadata.name, s]))('%s: each query sees exactly the workload\'s pods, in its namespace', async (_, so: any) => {
    const c = controllerOf(so);
    const gpus = gpusOf(c);
    const mine = podsOf(c.kind, c.metadata.name, c.metadata.namespace, 3, gpus).map((p) => ({ ...p, util: 50, inFlight: 5 }));
    const inFlightMetric = so.spec.triggers.find((t: any) => t.name === 'in-flight-requests')?.metadata.query.match(/^sum\(([a-z_:]+)\{/)?.[1];
    const everyone = [...mine, ...others(c, gpus)];
    current = {
      dcgm: dcgmLines(everyone),
      pods: everyone.filter((p) => p.serves).map((p) => `${inFlightMetric}{namespace="${p.namespace}",pod="${p.name}"} ${p.inFlight}`),
    };
    await prometheus.freshScrape();
    const byName = Object.fromEntries(await Promise.all(so.spec.triggers.map(async (t: any) => [t.name, (await prometheus.query(t.metadata.query))[0]?.value])));
    // three pods: 50% on each of their GPUs, 5 requests each
    expect(byName).toEqual({ 'gpu-utilization': 3 * 50 * gpus, ...(inFlightMetric ? { 'in-flight-requests': 15 } : {}) });
  }, 60_000);
});

describe('CPU autoscaling (HorizontalPodAutoscaler on CPU utilisation), by the HPA\'s arithmetic', () => {
  const objects = k8sObjects(distFiles()).filter(({ file }) => file.startsWith('k8s/cpu/')).map(({ obj }) => obj);
  const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');

  test.each(hpas.map((h) => [h.metadata.name, h]))('%s: saturated pods scale it to maxReplicas, idle ones to minReplicas', (_, hpa: any) => {
    const cpu = hpa.spec.metrics.find((m: any) => m.resource?.name === 'cpu').resource.target.averageUtilization;
    const step = (util: number) => {
      const counts = [hpa.spec.minReplicas];
      for (let i = 0; i < 12; i++) {
        const next = desiredReplicas(counts[counts.length - 1], [{ type: 'Utilization', target: cpu, averageUtilization: util }], hpa.spec.minReplicas, hpa.spec.maxReplicas);
        if (next === counts[counts.length - 1]) break;
        counts.push(next);
      }
      return counts[counts.length - 1];
    };
    expect(step(100)).toBe(hpa.spec.maxReplicas);
    expect(step(5)).toBe(hpa.spec.minReplicas);
  });
});

describe('apply safety: nothing an autoscaler writes is in the manifests', () => {
  // `kubectl apply` (client- or server-side) sets every field the manifest holds; the HPA writes spec.replicas of
  // its target through the scale subresource. A manifest that held it would reset the count on every apply (and a
  // server-side apply would conflict with the HPA's field manager); test/cluster/apply.test.ts shows it on a real
  // API server.
  test.each(scenarios.map((s) => [s.app, s.files]))('%s: no autoscaled Deployment or StatefulSet sets spec.replicas', (_, files: any) => {
    const objects = k8sObjects(files).map(({ file, obj }) => ({ file, obj }));
    const scalers = objects.filter(({ obj }) => obj.kind === 'HorizontalPodAutoscaler' || obj.kind === 'ScaledObject');
    expect(scalers.length).toBeGreaterThan(0);
    for (const { file, obj } of scalers) {
      const dir = path.dirname(file);
      const target = objects.find((o) => path.dirname(o.file) === dir && o.obj.kind === obj.spec.scaleTargetRef.kind && o.obj.metadata.name === obj.spec.scaleTargetRef.name);
      expect({ file, target: target?.obj.kind, replicas: target?.obj.spec.replicas }).toEqual({ file, target: obj.spec.scaleTargetRef.kind, replicas: undefined });
    }
  });
});
