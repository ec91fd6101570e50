import * as fs from 'fs';
import * as path from 'path';
import { documentation } from './helpers/docs';
import { buildStack } from '../apps/stack';
import { at } from './helpers/json-path';
import { parseStream, parseYaml } from './helpers/validate';

const ROOT = path.join(__dirname, '..');
// the README and the guides it links to (docs/)
const README = documentation();

function between(start: string, end: string): string {
  const s = README.indexOf(start);
  const e = README.indexOf(end);
  expect(s).toBeGreaterThan(-1);
  expect(e).toBeGreaterThan(s);
  return README.slice(s + start.length, e);
}

describe('README', () => {
  const files = buildStack({ rootDir: ROOT }).synthFiles();
  const compose = parseYaml(files.get('docker/docker-compose.ml.yml')!).services['sk-regression-gpu'];
  const objects = parseStream(files.get('k8s/gpu/sk-regression.yaml')!);

  const rows = between('<!-- mapping:start -->', '<!-- mapping:end -->').split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| declaration'))
    .map((l) => l.split('|').slice(1, -1).map((c) => c.trim().replace(/^`|`$/g, '')));

  test('the mapping table has a row for every concern', () => {
    expect(rows.length).toBeGreaterThanOrEqual(18);
  });

  test.each(rows.map((r) => [r[0], r] as const))('mapping row "%s" names paths present in both rendered runtimes', (_, [, composePath, k8sRef]) => {
    expect({ composePath, value: at(compose, composePath) }).toEqual({ composePath, value: expect.anything() });
    const [kind, k8sPath] = k8sRef.split(': ');
    const obj = objects.find((o) => o.kind === kind);
    expect(obj).toBeDefined();
    expect({ k8sPath, value: at(obj, k8sPath) }).toEqual({ k8sPath, value: expect.anything() });
  });

  test('the GPU row really maps the same count', () => {
    const d = objects.find((o) => o.kind === 'Deployment');
    expect(at(compose, 'deploy.resources.reservations.devices[0].count')).toBe(at(d, 'spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"]'));
  });

  test('names the two commands that .ci/run runs', () => {
    expect(README).toContain('npm ci && npm run synth');
    expect(README).toContain('npm test');
    const ci = fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^npm ci\b.*$/m);
    expect(ci).toMatch(/^npm test$/m);
  });

  test('the cluster preset table names each preset and what its pod really gets', () => {
    const { ClusterPreset, ImageFlavor, Profile } = require('../lib');
    const { mlService, newApp } = require('./helpers/fixture');
    const rows = between('<!-- presets:start -->', '<!-- presets:end -->').split('\n').filter((l) => l.startsWith('| `'));
    const made: Record<string, unknown> = {
      generic: ClusterPreset.generic(), gpuOperator: ClusterPreset.gpuOperator({ runtimeClass: true }), gke: ClusterPreset.gke({ accelerator: 'nvidia-l4' }),
      eks: ClusterPreset.eks({ instanceTypes: ['g6.xlarge'], karpenterGpuNames: ['l4'] }), aks: ClusterPreset.aks(),
    };
    expect(rows.map((r) => /^\| `(\w+)\(/.exec(r)![1])).toEqual([...Object.keys(made), 'custom']);
    for (const row of rows.slice(0, 5)) {
      const name = /^\| `(\w+)\(/.exec(row)![1];
      const app = newApp({ builtInProfiles: false });
      const gfd = name === 'gpuOperator' ? { gpuProducts: ['NVIDIA-L4'], minGpuMemoryMiB: 20000 } : {};
      new Profile(app, 'gpu', { flavor: ImageFlavor.CUDA, cluster: made[name], default: true, ...gfd });
      mlService(app);
      const pod = JSON.stringify(parseStream(app.synthFiles().get('k8s/gpu/svc.yaml')!).find((o) => o.kind === 'Deployment').spec.template.spec);
      // every label or taint key the row names in its "what the pod gets" cell is in the pod
      const gets = row.split('|')[2];
      const keys = [...gets.matchAll(/`([a-z0-9.-]+\/[a-z0-9.-]+|sku)[=:`]/g)].map((m) => m[1]).filter((k) => !/ExtendedResource/.test(k));
      expect({ name, missing: keys.filter((k) => !pod.includes(k)) }).toEqual({ name, missing: [] });
      // what it says of driver fitness and tolerations is what the pod has
      const spec = JSON.parse(pod);
      const driver = (terms: any[]) => JSON.stringify(terms ?? []).includes('nvidia.com/cuda.driver-version.major');
      const claims = {
        preferred: /driver fitness[^|]*only \*preferred\*/.test(gets),
        required: /\*required\* affinity on GFD's driver major/.test(gets),
        tolerations: !/no toleration/.test(gets),
      };
      const has = {
        preferred: driver(spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
        required: driver(spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms),
        tolerations: (spec.tolerations ?? []).length > 0,
      };
      expect({ name, claims }).toEqual({ name, claims: has });
    }
  });

  test.each(between('<!-- mapping-kinds:start -->', '<!-- mapping-kinds:end -->').split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| declaration'))
    .map((l) => l.split('|').slice(1, -1).map((c) => c.trim().replace(/^`|`$/g, '')))
    .map((r) => [r[0], r] as const))('kinds mapping row "%s" names paths present in both rendered runtimes', (_, [, service, composePath, k8sRef]) => {
    const all = { ...parseYaml(files.get('docker/docker-compose.base.yml')!).services, ...parseYaml(files.get('docker/docker-compose.ml.yml')!).services };
    expect({ service, composePath, value: at(all[service], composePath) }).toEqual({ service, composePath, value: expect.anything() });
    const [file, kind, k8sPath] = k8sRef.split(': ');
    const obj = parseStream(files.get(file)!).find((o) => o.kind === kind);
    expect({ file, kind, found: obj !== undefined }).toEqual({ file, kind, found: true });
    expect({ k8sPath, value: at(obj, k8sPath) }).toEqual({ k8sPath, value: expect.anything() });
  });

  test('the driver table matches the code', () => {
    const { CUDA_MIN_DRIVER_MAJOR } = require('../lib');
    const table = README.split('\n').filter((l) => l.startsWith('| CUDA |') || l.startsWith('| driver major'));
    const cudas = table[0].split('|').slice(2, -1).map((c) => c.trim());
    const drivers = table[1].split('|').slice(2, -1).map((c) => Number(c.trim()));
    expect(Object.fromEntries(cudas.map((c, i) => [c, drivers[i]]))).toEqual(CUDA_MIN_DRIVER_MAJOR);
  });
});
