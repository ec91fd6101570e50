import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { buildStack } from '../../apps/stack';
import { clouds } from '../../apps/examples/clouds/app';
import { cpuOnly } from '../../apps/examples/cpu-only/app';
import { multiGpu } from '../../apps/examples/multi-gpu/app';
import { MlApp } from '../../lib';
import { ControlPlane, ROOT } from '../../scripts/cluster/control-plane';
import { statefulGpuApp } from '../apps/stateful-gpu';
import { tempRoot } from '../helpers/fixture';
import { NODE_KINDS, nodeObject } from './nodes';

/*
 * The emitted manifests on a real Kubernetes 1.34 control plane (scripts/cluster/control-plane.ts): the API server
 * with strict field validation and Pod Security Admission, the controllers that make ReplicaSets, pods, Jobs and
 * autoscale, the scheduler that binds pods to fake nodes built from each cluster preset's table (nodes.ts), and kwok
 * playing their kubelets. Each stage is a describe block; README "Tests on a real control plane" says what each
 * proves.
 */

const log = (line: string) => process.stdout.write(`[cluster] ${line}\n`);

interface AppCase { readonly name: string; readonly make: () => MlApp }

const APPS: AppCase[] = [
  { name: 'stack', make: () => buildStack({ rootDir: ROOT }) },
  { name: 'cpu-only', make: () => cpuOnly(path.join(ROOT, 'apps/examples/cpu-only')) },
  { name: 'multi-gpu', make: () => multiGpu(path.join(ROOT, 'apps/examples/multi-gpu')) },
  { name: 'clouds', make: () => clouds(path.join(ROOT, 'apps/examples/clouds')) },
  { name: 'stateful-gpu', make: () => statefulGpuApp(tempRoot()) },
];

/** Every app's Kubernetes output, written to a temporary folder: `<app>/<profile>/...`. */
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-cluster-out-'));
const PROFILES: Array<{ app: string; profile: string; dir: string; preset: string }> = [];
for (const a of APPS) {
  const files = a.make().synthFiles();
  for (const [f, text] of files) {
    if (!f.startsWith('k8s/')) continue;
    const file = path.join(OUT, a.name, f.slice(4));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  for (const p of [...new Set([...files.keys()].filter((f) => f.startsWith('k8s/')).map((f) => f.split('/')[1]))]) {
    // the preset the profile's GPU pods are rendered for (from the objects: a GKE pod selects the accelerator label)
    const text = [...files].filter(([f]) => f.startsWith(`k8s/${p}/`)).map(([, t]) => t).join('\n');
    const preset = text.includes('cloud.google.com/gke-accelerator') ? 'gke' : text.includes('key: sku') ? 'aks' : text.includes('nvidia.com/gpu.product') ? 'gpu-operator' : 'generic';
    PROFILES.push({ app: a.name, profile: p, dir: path.join(OUT, a.name, p), preset });
  }
}

const docs = (text: string): any[] => parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);
const objectFiles = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort().map((f) => path.join(dir, f));

let cluster: ControlPlane;
/** The GKE profiles run on a second control plane with GKE's ExtendedResourceToleration admission plugin. */
let gke: ControlPlane;
const timings: string[] = [];

async function prepare(cp: ControlPlane, presets: string[]): Promise<void> {
  for (const file of fs.readdirSync(path.join(ROOT, 'schemas/crds')).filter((f) => f.endsWith('.yaml'))) cp.must(['apply', '--server-side', '-f', path.join(ROOT, 'schemas/crds', file)]);
  cp.must(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
  // the nvidia RuntimeClass the GPU Operator creates, for presets that select it
  cp.must(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'nvidia' }, handler: 'nvidia' }));
  const nodes = NODE_KINDS.filter((k) => k.preset === 'cpu' || presets.includes(k.preset)).flatMap((k) => [0, 1, 2].map((i) => nodeObject(k, i, k.gpus ? 4 : 0)));
  for (const n of nodes) cp.must(['create', '-f', '-'], JSON.stringify(n));
  // kwok reports them Ready; the not-ready taint set at creation goes once the node-lifecycle controller would have
  // removed it (it is off: LEARNED.md)
  for (const n of nodes) {
    const name = (n.metadata as any).name;
    await cp.until(`node ${name} Ready`, () => (cp.get(['node', name]).status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True') ? true : undefined));
    const taints = (cp.get(['node', name]).spec.taints ?? []).filter((t: any) => !t.key.startsWith('node.kubernetes.io/'));
    cp.must(['patch', 'node', name, '--type=merge', '-p', JSON.stringify({ spec: { taints } })]);
  }
  // claims bind to volumes of no storage class (the cluster has no provisioner)
  for (let i = 0; i < 40; i++) {
    cp.must(['create', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `pv-${i}` },
      spec: { capacity: { storage: '100Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: `/tmp/pv-${i}` } },
    }));
  }
}

function restrictedNamespace(cp: ControlPlane, ns: string): void {
  cp.must(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'Namespace',
    metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted' } },
  }));
}

/** A Kustomize overlay of a profile folder that moves it to `ns`, as the README's overlay does. */
function overlay(dir: string, ns: string): string {
  const o = fs.mkdtempSync(path.join(OUT, 'overlay-'));
  const scope = fs.existsSync(path.join(dir, 'namespace-scope')) ? `transformers:\n  - ${path.relative(o, path.join(dir, 'namespace-scope'))}\n` : '';
  fs.writeFileSync(path.join(o, 'kustomization.yaml'), `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ${path.relative(o, dir)}\nnamespace: ${ns}\n${scope}`);
  return o;
}

beforeAll(async () => {
  let t = Date.now();
  cluster = await ControlPlane.start({ log });
  await prepare(cluster, ['generic', 'gpu-operator', 'aks', 'eks']);
  timings.push(`control plane with nodes: ${Date.now() - t} ms`);
  t = Date.now();
  gke = await ControlPlane.start({ log, admissionPlugins: ['ExtendedResourceToleration'] });
  await prepare(gke, ['gke']);
  timings.push(`GKE control plane with nodes: ${Date.now() - t} ms`);
}, 240_000);

afterAll(async () => {
  log(timings.join('; '));
  await cluster?.stop();
  await gke?.stop();
  fs.rmSync(OUT, { recursive: true, force: true });
});

const on = (preset: string) => (preset === 'gke' ? gke : cluster);
const nsOf = (p: { app: string; profile: string }) => `${p.app}-${p.profile}`;

describe('stage 1, apply: every profile of the stack and of every example, server-side with strict validation, into a restricted namespace', () => {
  // Server-side apply into <app>-<profile>, `kubectl apply -k` (client-side) into <app>-<profile>-k: kubectl warns
  // when one kind of apply takes over objects the other made, so each gets namespaces of its own.
  test.each(PROFILES.map((p) => [`${p.app}/${p.profile}`, p]))('%s', (_, p: any) => {
    const cp = on(p.preset);
    const ns = nsOf(p);
    restrictedNamespace(cp, ns);
    restrictedNamespace(cp, `${ns}-k`);
    const o = overlay(p.dir, ns);
    const rendered = cp.must(['kustomize', o]);
    fs.writeFileSync(path.join(o, 'rendered.yaml'), rendered);
    const ssa = cp.kubectl(['apply', '--server-side', '--field-manager=cdk8s-ml', '--validate=strict', '-f', path.join(o, 'rendered.yaml')]);
    expect({ status: ssa.status, stderr: ssa.stderr }).toEqual({ status: 0, stderr: '' });
    const k = cp.kubectl(['apply', '-k', overlay(p.dir, `${ns}-k`)]);
    expect({ status: k.status, stderr: k.stderr }).toEqual({ status: 0, stderr: '' });
  }, 120_000);
});

/** The overlay made for namespace `ns` in stage 1. */
function overlayOf(ns: string): string {
  return fs.readdirSync(OUT).filter((d) => d.startsWith('overlay-')).map((d) => path.join(OUT, d))
    .find((d) => fs.readFileSync(path.join(d, 'kustomization.yaml'), 'utf8').includes(`namespace: ${ns}\n`))!;
}

describe('stage 2, re-apply: applying the same output changes nothing, and leaves what the autoscaler set', () => {
  test.each(PROFILES.map((p) => [`${p.app}/${p.profile}`, p]))('%s: kubectl diff is empty, server-side and client-side', (_, p: any) => {
    const cp = on(p.preset);
    const o = overlayOf(nsOf(p));
    const ssa = cp.kubectl(['diff', '--server-side', '--field-manager=cdk8s-ml', '-f', path.join(o, 'rendered.yaml')]);
    expect({ status: ssa.status, diff: ssa.stdout, stderr: ssa.stderr }).toEqual({ status: 0, diff: '', stderr: '' });
    const k = cp.kubectl(['diff', '-k', overlayOf(`${nsOf(p)}-k`)]);
    expect({ status: k.status, diff: k.stdout, stderr: k.stderr }).toEqual({ status: 0, diff: '', stderr: '' });
  }, 120_000);

  test('stack/cpu: the HPA raises sk-regression to its minimum; a count set through the scale subresource survives both kinds of apply', async () => {
    const ns = 'stack-cpu';
    const o = overlayOf(ns);
    // no replicas in the manifest: the API server defaults 1, the HPA controller raises it to minReplicas (2)
    await cluster.until('the HPA to scale sk-regression to 2', () => (cluster.get(['deployment', 'sk-regression', '-n', ns]).spec.replicas === 2 ? true : undefined), 90_000);
    cluster.must(['scale', 'deployment/sk-regression', '-n', ns, '--replicas=5']);
    cluster.must(['apply', '--server-side', '--field-manager=cdk8s-ml', '--validate=strict', '-f', path.join(o, 'rendered.yaml')]);
    expect(cluster.get(['deployment', 'sk-regression', '-n', ns]).spec.replicas).toBe(5);
    const k = overlayOf(`${ns}-k`);
    await cluster.until('the HPA to scale sk-regression to 2 (kubectl apply -k)', () => (cluster.get(['deployment', 'sk-regression', '-n', `${ns}-k`]).spec.replicas === 2 ? true : undefined), 90_000);
    cluster.must(['scale', 'deployment/sk-regression', '-n', `${ns}-k`, '--replicas=5']);
    cluster.must(['apply', '-k', k]);
    expect(cluster.get(['deployment', 'sk-regression', '-n', `${ns}-k`]).spec.replicas).toBe(5);
  }, 120_000);
});

/** Every pod of a namespace, once the controllers made them and the scheduler had its say. */
async function settledPods(cp: ControlPlane, ns: string, expectAtLeast: number): Promise<any[]> {
  return cp.until(`pods of ${ns} scheduled or refused`, () => {
    const pods = cp.get(['pods', '-n', ns]).items as any[];
    if (pods.length < expectAtLeast) return undefined;
    const undecided = pods.filter((p) => !p.spec.nodeName && !(p.status.conditions ?? []).some((c: any) => c.type === 'PodScheduled' && c.status === 'False'));
    return undecided.length ? undefined : pods;
  }, 90_000);
}

const gpusOf = (pod: any) => pod.spec.containers.reduce((n: number, c: any) => n + Number(c.resources?.limits?.['nvidia.com/gpu'] ?? 0), 0);

describe('stage 3, schedule: the real scheduler binds every pod where the preset says, on nodes built from the platforms\' tables', () => {
  test.each(PROFILES.map((p) => [`${p.app}/${p.profile}`, p]))('%s', async (_, p: any) => {
    const cp = on(p.preset);
    const ns = nsOf(p);
    const controllers = (cp.get(['deployments,statefulsets,jobs', '-n', ns]).items as any[]);
    const pods = await settledPods(cp, ns, controllers.length);
    const nodes = new Map((cp.get(['nodes']).items as any[]).map((n) => [n.metadata.name, n]));
    for (const pod of pods) {
      const node = pod.spec.nodeName ? nodes.get(pod.spec.nodeName) : undefined;
      const reason = (pod.status.conditions ?? []).find((c: any) => c.type === 'PodScheduled')?.message;
      expect({ pod: pod.metadata.name, bound: !!node, reason }).toEqual({ pod: pod.metadata.name, bound: true, reason: undefined });
      const kind = node.metadata.labels['cdk8s-ml/node-kind'];
      if (gpusOf(pod) > 0) {
        // a GPU pod lands on a GPU node its preset targets: the preset's own nodes where it selects them by label or
        // taint, any node tainted only nvidia.com/gpu for the generic preset (which only tolerates that taint)
        const targets = p.preset === 'generic' ? NODE_KINDS.filter((k) => k.gpus && k.taints.every((t) => t.key === 'nvidia.com/gpu')).map((k) => k.preset) : [p.preset];
        expect({ pod: pod.metadata.name, kind, targeted: targets.includes(kind), gpuNode: Number(node.status.capacity['nvidia.com/gpu'] ?? 0) >= gpusOf(pod) })
          .toEqual({ pod: pod.metadata.name, kind, targeted: true, gpuNode: true });
      } else {
        // a pod without GPUs never lands on a tainted GPU node
        expect({ pod: pod.metadata.name, kind }).toEqual({ pod: pod.metadata.name, kind: 'cpu' });
      }
    }
  }, 120_000);
});

describe('stage 4, jobs: CronJobs are accepted and a Job made from each schedules', () => {
  const withCron = PROFILES.filter((p) => fs.readdirSync(p.dir).some((f) => f.endsWith('.yaml') && docs(fs.readFileSync(path.join(p.dir, f), 'utf8')).some((d) => d.kind === 'CronJob')));
  test.each(withCron.map((p) => [`${p.app}/${p.profile}`, p]))('%s', async (_, p: any) => {
    const cp = on(p.preset);
    const ns = nsOf(p);
    for (const cj of cp.get(['cronjobs', '-n', ns]).items as any[]) {
      cp.must(['create', 'job', `${cj.metadata.name.slice(0, 40)}-now`, `--from=cronjob/${cj.metadata.name}`, '-n', ns]);
      const pod = await cp.until(`a pod of the job from ${cj.metadata.name}`, () => (cp.get(['pods', '-n', ns, '-l', `job-name=${cj.metadata.name.slice(0, 40)}-now`]).items as any[]).find((x) => x.spec.nodeName));
      // a training job takes a GPU in a GPU profile: it lands on a GPU node, never on a CPU one
      expect({ job: cj.metadata.name, node: pod.spec.nodeName.replace(/-\d+$/, '') }).toEqual({ job: cj.metadata.name, node: gpusOf(pod) > 0 ? expect.not.stringMatching(/^cpu$/) : 'cpu' });
    }
  }, 120_000);
});

describe('switching a namespace from the cpu to the gpu profile applies (the training Job is named after its spec)', () => {
  test('stack: cpu then gpu into one namespace, server-side', () => {
    const ns = 'geo';
    restrictedNamespace(cluster, ns);
    for (const profile of ['cpu', 'gpu']) {
      const r = cluster.kubectl(['apply', '--server-side', '--field-manager=cdk8s-ml', '--validate=strict', ...objectFiles(path.join(OUT, 'stack', profile)).flatMap((f) => ['-f', f])]);
      expect({ profile, status: r.status, stderr: r.stderr }).toEqual({ profile, status: 0, stderr: '' });
    }
    const jobs = (cluster.get(['jobs', '-n', ns]).items as any[]).map((j) => j.metadata.name);
    expect(jobs.filter((j) => j.startsWith('sk-regression-train-'))).toHaveLength(2);
  }, 120_000);
});

describe('negative cases: each stage refuses what it should', () => {
  test('apply: an unknown field is refused by strict validation', () => {
    restrictedNamespace(cluster, 'negative');
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'negative' }, data: { a: 'b' }, dta: { c: 'd' } };
    const r = cluster.kubectl(['apply', '--server-side', '--validate=strict', '-f', '-'], JSON.stringify(cm));
    expect(r.status).not.toBe(0);
    // server-side apply says it its own way: the field is not in the schema
    expect(r.stderr).toMatch(/\.dta: field not declared in schema/);
  });

  test('apply: a pod that breaks the restricted profile is refused by Pod Security Admission', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'loose', namespace: 'negative' }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } };
    const r = cluster.kubectl(['apply', '-f', '-'], JSON.stringify(pod));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/violates PodSecurity "restricted:latest"/);
  });

  test('schedule: a GPU pod without the toleration stays Pending on tainted GPU nodes, for the taint', async () => {
    const pod = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'no-toleration', namespace: 'negative' },
      spec: {
        securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{ name: 'c', image: 'nginx:1.27', resources: { limits: { 'nvidia.com/gpu': '1' } }, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
      },
    };
    cluster.must(['apply', '-f', '-'], JSON.stringify(pod));
    const message = await cluster.until('the scheduler to refuse', () => cluster.get(['pod', 'no-toleration', '-n', 'negative']).status.conditions?.find((c: any) => c.type === 'PodScheduled' && c.status === 'False')?.message);
    expect(message).toMatch(/untolerated taint.*nvidia\.com\/gpu/);
  });

  test('schedule: two GPUs where each node has one stays Pending for nvidia.com/gpu', async () => {
    // the multi-gpu example's gpu-large pod asks for two GPUs; here it may only go to nodes of its preset that have one
    const cp = cluster;
    const ns = 'multi-gpu-gpu-large';
    for (const i of [10, 11]) {
      const n = nodeObject(NODE_KINDS.find((k) => k.preset === 'gpu-operator')!, i, 1);
      (n.metadata as any).labels['cdk8s-ml/one-gpu'] = 'true';
      cp.must(['create', '-f', '-'], JSON.stringify(n));
    }
    await cp.until('one-GPU nodes Ready', () => ([10, 11].every((i) => cp.get(['node', `gpu-operator-${i}`]).status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True')) ? true : undefined));
    for (const i of [10, 11]) cp.must(['patch', 'node', `gpu-operator-${i}`, '--type=merge', '-p', JSON.stringify({ spec: { taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] } })]);
    const template = cp.get(['deployment', 'image-embedding', '-n', ns]).spec.template;
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'two-gpus', namespace: ns }, spec: { ...template.spec, nodeSelector: { 'cdk8s-ml/one-gpu': 'true' } } };
    cp.must(['apply', '-f', '-'], JSON.stringify(pod));
    const message = await cp.until('the scheduler to refuse', () => cp.get(['pod', 'two-gpus', '-n', ns]).status.conditions?.find((c: any) => c.type === 'PodScheduled' && c.status === 'False')?.message);
    expect(message).toMatch(/Insufficient nvidia\.com\/gpu/);
  });

  test('re-apply: a changed Job template under the same name is refused as immutable (why Jobs are named after their spec)', () => {
    const job = (image: string) => JSON.stringify({
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'train', namespace: 'negative' },
      spec: { template: { spec: {
        restartPolicy: 'Never',
        securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{ name: 'c', image, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
      } } },
    });
    cluster.must(['apply', '--server-side', '-f', '-'], job('registry.example.com/train:1'));
    const r = cluster.kubectl(['apply', '--server-side', '-f', '-'], job('registry.example.com/train:2'));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/field is immutable/);
  });
});
