import * as path from 'path';
import { buildStack } from '../apps/stack';
import { EnvValue, MlApp, ModelSource, NetworkIsolationPolicy, Workload } from '../lib';
import { statefulGpuApp } from './apps/stateful-gpu';
import { mlService, newApp, readTree, tempRoot } from './helpers/fixture';
import { Endpoint, Namespace, allowed, inCidr } from './helpers/network-policy';
import { k8sObjects } from './helpers/validate';

/*
 * Who may reach whom under the emitted NetworkPolicies, computed by an evaluator of the NetworkPolicy semantics
 * (helpers/network-policy.ts, written from the Kubernetes docs, not from the renderer), against the edges the
 * declaration asks for, read from the constructs: every declared edge is allowed, every other edge to or from the
 * app's pods is denied. Cluster services stand beside the app: CoreDNS, Prometheus, KEDA, an ingress controller,
 * another team's pod, and addresses outside the cluster.
 */

const ROOT = path.join(__dirname, '..');

interface Actor extends Endpoint { readonly id: string; readonly app: boolean; readonly ports: Array<{ port: number; protocol: string }> }

const INTERNET = '93.184.216.34';

/** The first address after a CIDR's base: an address the range holds. */
function addressIn(cidr: string): string {
  const [base] = cidr.split('/');
  const o = base.split('.').map(Number);
  o[3] += 1;
  return o.join('.');
}

function pod(id: string, namespace: string, labels: Record<string, string>, ports: Array<{ name?: string; port: number; protocol: string }>, app = false): Actor {
  return { id, app, ports, pod: { name: id, namespace, labels, ports } };
}

/** The app's pods (from the controllers of one profile) and the cluster's own services beside them. */
function actors(objects: any[]): Actor[] {
  const out: Actor[] = [];
  for (const o of objects) {
    const template = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : ['Deployment', 'StatefulSet', 'Job'].includes(o.kind) ? o.spec.template : undefined;
    if (!template) continue;
    const ports = template.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => ({ name: p.name, port: p.containerPort, protocol: p.protocol ?? 'TCP' })));
    out.push(pod(template.metadata.labels['app.kubernetes.io/instance'], o.metadata.namespace ?? 'default', template.metadata.labels, ports, true));
  }
  out.push(
    pod('kube-dns', 'kube-system', { 'k8s-app': 'kube-dns' }, [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]),
    pod('prometheus', 'monitoring', { 'app.kubernetes.io/name': 'prometheus' }, [{ port: 9090, protocol: 'TCP' }]),
    pod('keda-operator', 'keda', { app: 'keda-operator' }, []),
    pod('ingress-nginx', 'ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }, [{ port: 443, protocol: 'TCP' }]),
    pod('other-team', 'other-team', { 'app.kubernetes.io/name': 'web' }, [{ port: 8080, protocol: 'TCP' }]),
  );
  return out;
}

/** The edges the declaration asks for, as `source -> destination:port/protocol`, read from the constructs. */
function declaredEdges(app: MlApp, profileWorkloads: Set<string>, all: Actor[]): Set<string> {
  const edges = new Set<string>();
  const byId = new Map(all.map((a) => [a.id, a]));
  const ports = (id: string) => byId.get(id)?.ports ?? [];
  const add = (from: string, to: string, port: number, protocol = 'TCP') => edges.add(`${from} -> ${to}:${port}/${protocol}`);
  for (const w of app.node.findAll().filter(Workload.isWorkload)) {
    if (!profileWorkloads.has(w.name)) continue;
    add(w.name, 'kube-dns', 53, 'UDP');
    add(w.name, 'kube-dns', 53, 'TCP');
    for (const d of w.dependsOn) for (const p of ports(d).filter((x) => x.protocol === 'TCP')) if (profileWorkloads.has(d)) add(w.name, d, p.port);
    const endpoint = w.model.s3?.endpoint;
    if (endpoint && typeof endpoint !== 'string') for (const p of ports(endpoint.name)) add(w.name, endpoint.name, p.port);
    if (typeof endpoint === 'string' && /^https?:\/\/\d+\.\d+\.\d+\.\d+/.test(endpoint)) {
      const url = new URL(endpoint);
      add(w.name, url.hostname, Number(url.port || (url.protocol === 'https:' ? 443 : 80)));
    }
    for (const e of w.egress) add(w.name, addressIn(e.cidr), e.port, e.protocol ?? 'TCP');
    if (w.metrics) add('prometheus', w.name, w.metrics.port);
    for (const s of w.ingressFrom) {
      // the sources this test stands up: the ingress controller's namespace
      if (s.namespaceLabels?.['kubernetes.io/metadata.name'] === 'ingress-nginx') for (const p of w.ports.filter((x) => x.hostPort !== undefined)) add('ingress-nginx', w.name, p.port);
    }
  }
  // KEDA's queries leave from its namespace for Prometheus's: no policy of the app stands between them
  add('keda-operator', 'prometheus', 9090);
  return edges;
}

interface Case { readonly name: string; readonly app: MlApp; readonly files: Map<string, string> }

/** The files under dist/ as committed (test/dist.test.ts proves they are what synth writes). */
const distFiles = () => readTree(path.join(ROOT, 'dist'));

const second = statefulGpuApp(tempRoot());
const cases: Case[] = [
  { name: 'the repository stack (dist/)', app: buildStack({ rootDir: ROOT }), files: distFiles() },
  { name: 'a GPU StatefulService with external model endpoints', app: second, files: second.synthFiles() },
];

describe.each(cases)('connectivity of $name', ({ app, files }) => {
  const profiles = [...new Set([...files.keys()].filter((f) => /^k8s\/[^/]+\/[^/]+\.yaml$/.test(f)).map((f) => f.split('/')[1]))];

  test.each(profiles)('profile %s: exactly the declared edges are allowed', (profile) => {
    const objects = k8sObjects(files).filter(({ file }) => file.startsWith(`k8s/${profile}/`)).map(({ obj }) => obj);
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    expect(policies.length).toBeGreaterThan(0);
    const all = actors(objects);
    const appPods = all.filter((a) => a.app);
    const names = new Set(appPods.map((a) => a.id));
    const expected = declaredEdges(app, names, all);
    // addresses outside the cluster: those the declaration names, and one it does not
    const externals = new Map<string, Array<{ port: number; protocol: string }>>();
    for (const e of expected) {
      const m = /-> (\d+\.\d+\.\d+\.\d+):(\d+)\/(\w+)$/.exec(e);
      if (m) externals.set(m[1], [...(externals.get(m[1]) ?? []), { port: Number(m[2]), protocol: m[3] }]);
    }
    externals.set(INTERNET, [{ port: 443, protocol: 'TCP' }, { port: 80, protocol: 'TCP' }]);
    const outside: Actor[] = [...externals].map(([ip, ports]) => ({ id: ip, ip, app: false, ports }));
    const namespaces = new Map<string, Namespace>([...new Set([...all.map((a) => a.pod!.namespace)])].map((n) => [n, { name: n, labels: { 'kubernetes.io/metadata.name': n } }]));
    const actual = new Set<string>();
    for (const from of [...all, ...outside]) {
      for (const to of [...all, ...outside]) {
        if (from === to || (!from.app && !to.app && !(from.id === 'keda-operator' && to.id === 'prometheus'))) continue;
        for (const p of to.ports) {
          if (allowed(policies, namespaces, from, to, p.port, p.protocol)) actual.add(`${from.id} -> ${to.id}:${p.port}/${p.protocol}`);
        }
      }
    }
    expect([...actual].sort()).toEqual([...expected].sort());
  });
});

describe('a model endpoint outside the app, under network isolation', () => {
  const key = EnvValue.secretFile('s3', 'access-key');
  const secret = EnvValue.secretFile('s3', 'secret-key');

  test('a host name with no declared egress on its port is refused, naming the endpoint, the port and the fix', () => {
    const app = newApp();
    app.addPolicy(new NetworkIsolationPolicy());
    mlService(app, 'svc', { model: ModelSource.s3({ bucket: 'models', prefix: 'm', endpoint: 'https://storage.googleapis.com', accessKey: key, secretKey: secret }) });
    expect(() => app.synthFiles()).toThrow(/\[svc\] model endpoint 'https:\/\/storage\.googleapis\.com' is outside the app.*declare egress: \[\{ cidr: '<address range of storage\.googleapis\.com>', port: 443 \}\]/s);
  });

  test('the same declaration with the range declared, or without isolation, synthesizes', () => {
    const isolated = newApp();
    isolated.addPolicy(new NetworkIsolationPolicy());
    mlService(isolated, 'svc', {
      model: ModelSource.s3({ bucket: 'models', prefix: 'm', endpoint: 'https://storage.googleapis.com', accessKey: key, secretKey: secret }),
      egress: [{ cidr: '0.0.0.0/0', port: 443 }],
    });
    expect(() => isolated.synthFiles()).not.toThrow();
    const open = newApp();
    mlService(open, 'svc', { model: ModelSource.s3({ bucket: 'models', prefix: 'm', endpoint: 'https://storage.googleapis.com', accessKey: key, secretKey: secret }) });
    expect(() => open.synthFiles()).not.toThrow();
  });

  test('an endpoint at an address gets its rule on the URL\'s port, which the evaluator lets through and nothing else', () => {
    const app = newApp({ namespace: 'ml' });
    app.addPolicy(new NetworkIsolationPolicy());
    mlService(app, 'svc', { model: ModelSource.s3({ bucket: 'models', prefix: 'm', endpoint: 'http://192.0.2.7:9000', accessKey: key, secretKey: secret }) });
    const objects = k8sObjects(app.synthFiles()).filter(({ file }) => file.startsWith('k8s/cpu/')).map(({ obj }) => obj);
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    const [svc] = actors(objects).filter((a) => a.app);
    const ns = new Map([['ml', { name: 'ml', labels: { 'kubernetes.io/metadata.name': 'ml' } }]]);
    expect(allowed(policies, ns, svc, { ip: '192.0.2.7' }, 9000)).toBe(true);
    expect(allowed(policies, ns, svc, { ip: '192.0.2.7' }, 443)).toBe(false);
    expect(allowed(policies, ns, svc, { ip: '192.0.2.8' }, 9000)).toBe(false);
    expect(inCidr('192.0.2.7', '192.0.2.7/32')).toBe(true);
  });
});
