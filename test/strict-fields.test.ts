import * as path from 'path';
import { buildStack } from '../apps/stack';
import { DeclarationError, Service, StatefulService } from '../lib';
import { unknownFields } from '../lib/targets/kubernetes/api-schema';
import { statefulGpuApp } from './apps/stateful-gpu';
import { newApp, tempRoot } from './helpers/fixture';
import { k8sObjects, parseStream } from './helpers/validate';

/*
 * Strict fields, as `kubectl apply` checks them by default (--validate=strict): an unknown field in an override or an
 * added object is an error at synth, against the schema a real kube-apiserver 1.34 serves (schemas/kubernetes, made
 * by scripts/gen-k8s-fields.ts) and the CRDs in schemas/crds. test/cluster/apply.test.ts applies the same negative
 * case to the real API server, which refuses it too.
 */

const ROOT = path.join(__dirname, '..');

function problems(app: ReturnType<typeof newApp>): string[] {
  try {
    app.synthFiles();
    return [];
  } catch (e) {
    if (!(e instanceof DeclarationError)) throw e;
    return e.problems.map((p) => `[${p.path}] ${p.message}`);
  }
}

describe('strict fields in overrides and added objects', () => {
  test('a typo in an override (priorityClass for priorityClassName) is refused with its path and the field it meant', () => {
    const app = newApp();
    const db = new StatefulService(app, 'db', { image: 'postgres:16.4-bookworm', ports: [{ port: 5432 }] });
    db.addKubernetesOverride('StatefulSet', { spec: { template: { spec: { priorityClass: 'x' } } } });
    // once per profile it renders in
    expect(problems(app)).toEqual(['cpu', 'gpu'].map((p) => expect.stringMatching(new RegExp(`^\\[db\\] .* in profile '${p}' .*unknown field spec\\.template\\.spec\\.priorityClass \\(did you mean priorityClassName\\?\\)`))));
  });

  test('an unknown field of a custom resource added with addManifest is refused against its CRD', () => {
    const app = newApp({ namespace: 'ml' });
    new Service(app, 'web', { image: 'nginx:1.27', ports: [{ port: 80 }] });
    app.addManifest('cpu', {
      apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'web' },
      spec: { scaleTargetRef: { name: 'web' }, triggers: [{ type: 'cpu', metadata: { value: '60' }, metricTyp: 'Utilization' }] },
    });
    expect(problems(app)).toEqual([expect.stringMatching(/unknown field spec\.triggers\[0\]\.metricTyp \(did you mean metricType\?\)/)]);
  });

  test('a kind cdk8s-ml has no schema for is refused unless accepted explicitly, with its scope', () => {
    const obj = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'web' }, spec: { hosts: ['web'] } };
    const refused = newApp({ namespace: 'ml' });
    refused.addManifest('cpu', obj);
    expect(problems(refused)).toEqual([expect.stringMatching(/networking\.istio\.io\/v1 VirtualService is not a built-in kind.*\{ unknownKind: 'namespaced' \}/)]);
    const accepted = newApp({ namespace: 'ml' });
    accepted.addManifest('cpu', obj, { unknownKind: 'namespaced' });
    const [added] = parseStream(accepted.synthFiles().get('k8s/cpu/_manifests.yaml')!);
    expect(added.metadata).toEqual({ name: 'web', namespace: 'ml' });
  });

  test('added objects take the app\'s namespace when namespaced and naming none; cluster-scoped ones and explicit namespaces stay', () => {
    const app = newApp({ namespace: 'ml' });
    new Service(app, 'web', { image: 'nginx:1.27', ports: [{ port: 80 }] });
    app.addManifest('cpu', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web' }, spec: { rules: [{ host: 'web.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } });
    app.addManifest('cpu', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'batch' }, value: 10 });
    app.addManifest('cpu', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: 'platform' }, data: { a: 'b' } });
    const added = parseStream(app.synthFiles().get('k8s/cpu/_manifests.yaml')!);
    expect(added.map((o) => [o.kind, o.metadata.namespace])).toEqual([['Ingress', 'ml'], ['PriorityClass', undefined], ['ConfigMap', 'platform']]);
  });

  test('every object the library writes itself passes the same check (no false alarm on the stack or the second app)', () => {
    for (const files of [buildStack({ rootDir: ROOT }).synthFiles(), statefulGpuApp(tempRoot()).synthFiles()]) {
      for (const { file, obj } of k8sObjects(files)) expect({ file, kind: obj.kind, unknown: unknownFields(obj) }).toEqual({ file, kind: obj.kind, unknown: [] });
    }
  });
});
