import * as fs from 'fs';
import * as path from 'path';
import { buildStack } from '../apps/stack';
import { composeUp } from './helpers/compose-profiles';
import { composeErrors, k8sErrors, k8sObjects, parseStream, parseYaml, podTemplates, restrictedViolations } from './helpers/validate';

const ROOT = path.join(__dirname, '..');
const files = buildStack({ rootDir: ROOT }).synthFiles();
const BASE = 'docker/docker-compose.base.yml';
const ML = 'docker/docker-compose.ml.yml';

describe('the geo stack (apps/stack.ts)', () => {
  test('writes the files of the contract', () => {
    expect([...files.keys()]).toEqual(expect.arrayContaining([
      BASE, ML, 'docker/.env', 'docker/docker-bake.json',
      'docker/images/ml-base-cpu/Dockerfile', 'docker/images/ml-base-cuda/Dockerfile', 'docker/images/sk-regression/Dockerfile',
      'docker/images/tile-classifier/Dockerfile',
      ...['cpu', 'gpu'].flatMap((p) => ['backend', 'minio', 'postgres', 'tiling', 'sk-regression', 'tile-classifier'].map((s) => `k8s/${p}/${s}.yaml`)),
    ]));
    expect([...files.keys()].filter((f) => f.startsWith('k8s/dev/'))).toEqual([]);
  });

  test('base file holds what is the same in every profile; ML file every per-profile variant', () => {
    // backend depends on sk-regression, so it has a variant per profile too; prometheus is the observability profile
    expect(Object.keys(parseYaml(files.get(BASE)!).services).sort()).toEqual(['minio', 'minio-chown', 'postgres', 'postgres-chown', 'prometheus', 'tiling']);
    expect(Object.keys(parseYaml(files.get(ML)!).services).sort()).toEqual([
      'backend-cpu', 'backend-dev', 'backend-gpu', 'dcgm-exporter',
      ...['cpu', 'dev', 'fetch-cpu', 'fetch-dev', 'fetch-gpu', 'gpu', 'retrain-cpu', 'retrain-dev', 'retrain-gpu', 'train-cpu', 'train-dev', 'train-gpu'].map((v) => `sk-regression-${v}`),
      'tile-classifier-cpu', 'tile-classifier-dev', 'tile-classifier-gpu',
    ]);
  });

  test.each([BASE, ML])('%s is valid against the Compose spec schema', (f) => {
    expect(composeErrors(parseYaml(files.get(f)!))).toEqual([]);
  });

  test('every Kubernetes object is valid against the Kubernetes OpenAPI schema', () => {
    const objects = k8sObjects(files);
    expect(objects.length).toBeGreaterThan(20);
    for (const { file, obj } of objects) expect({ file, kind: obj.kind, errors: k8sErrors(obj) }).toEqual({ file, kind: obj.kind, errors: [] });
  });

  test('every pod template passes the Pod Security Standards restricted profile', () => {
    const pods = podTemplates(k8sObjects(files));
    expect(pods.map((p) => p.file).sort()).toEqual(['cpu', 'gpu'].flatMap((p) => ['backend', 'minio', 'postgres', 'sk-regression', 'sk-regression-retrain', 'sk-regression-train', 'tile-classifier', 'tiling'].map((s) => `k8s/${p}/${s}.yaml`)).sort());
    for (const p of pods) expect({ file: p.file, violations: restrictedViolations(p.spec) }).toEqual({ file: p.file, violations: [] });
  });

  test('GPU Deployment limits hold the integer GPU count, tolerate the GPU taint and prefer a CUDA 12.4 driver (generic preset)', () => {
    const deployment = parseStream(files.get('k8s/gpu/sk-regression.yaml')!).find((o) => o.kind === 'Deployment');
    const pod = deployment.spec.template.spec;
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
    expect(files.get('k8s/gpu/sk-regression.yaml')).toMatch(/^ {14}nvidia\.com\/gpu: 1$/m);
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    // the generic preset requires nothing GFD labels: the pod schedules wherever the device plugin runs
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
    expect(pod.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution)
      .toEqual([{ weight: 50, preference: { matchExpressions: [{ key: 'nvidia.com/cuda.driver-version.major', operator: 'Gt', values: ['549'] }] } }]);
    expect(pod.containers[0].env.find((e: any) => e.name === 'NVIDIA_VISIBLE_DEVICES')).toBeUndefined();
    expect(pod.containers[0].image).toBe('ghcr.io/acme-geo/sk-regression:0.1.0-2.4-cuda12.4');
  });

  test('CPU manifests have no GPU resource anywhere, opt out of GPUs and do not tolerate the taint', () => {
    for (const f of [...files.keys()].filter((k) => k.startsWith('k8s/cpu/'))) {
      expect(files.get(f)).not.toMatch(/nvidia\.com\/(gpu|mig)/);
      for (const o of parseStream(files.get(f)!).filter((x) => x.kind === 'Deployment')) {
        const pod = o.spec.template.spec;
        expect(pod.tolerations).toBeUndefined();
        expect(pod.containers[0].env).toContainEqual({ name: 'NVIDIA_VISIBLE_DEVICES', value: 'void' });
      }
    }
    const cpu = parseStream(files.get('k8s/cpu/sk-regression.yaml')!).find((o) => o.kind === 'Deployment');
    expect(cpu.spec.template.spec.containers[0].image).toBe('ghcr.io/acme-geo/sk-regression:0.1.0-2.4-py3.10');
  });

  test('sk-regression has stable names, the recommended labels and a selector that is the same in every profile', () => {
    const selectors = ['cpu', 'gpu'].map((p) => {
      const objs = parseStream(files.get(`k8s/${p}/sk-regression.yaml`)!);
      // each replica fetches its own model copy: no claim; the policies' objects follow the workload's own
      const scaler = p === 'gpu' ? 'ScaledObject' : 'HorizontalPodAutoscaler';
      expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Deployment', 'Service', scaler, 'ServiceMonitor', 'PodDisruptionBudget', 'NetworkPolicy'].map((k) => `${k}/sk-regression`));
      const d = objs[0];
      expect(d.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'sk-regression', 'app.kubernetes.io/instance': 'sk-regression', 'app.kubernetes.io/part-of': 'geo',
        'app.kubernetes.io/managed-by': 'cdk8s-ml', 'app.kubernetes.io/component': 'ml-service', 'cdk8s-ml/profile': p,
      });
      return d.spec.selector;
    });
    expect(selectors[0]).toEqual(selectors[1]);
  });

  test('the GPU Compose variant reserves its GPU under deploy.resources.reservations.devices, never with gpus:', () => {
    const ml = parseYaml(files.get(ML)!).services;
    expect(ml['sk-regression-gpu'].deploy.resources.reservations.devices).toEqual([{ driver: 'nvidia', count: 1, capabilities: ['gpu'] }]);
    expect(ml['sk-regression-gpu'].gpus).toBeUndefined();
    expect(ml['sk-regression-gpu'].build.args.BASE_IMAGE).toBe('ghcr.io/acme-geo/ml-base-cuda:2.4-cuda12.4');
    expect(ml['sk-regression-gpu'].image).toBe('ghcr.io/acme-geo/sk-regression:0.1.0-2.4-cuda12.4');
    for (const v of ['cpu', 'dev']) {
      expect(ml[`sk-regression-${v}`].deploy.resources.reservations.devices).toBeUndefined();
      expect(ml[`sk-regression-${v}`].build.args.BASE_IMAGE).toBe('ghcr.io/acme-geo/ml-base-cpu:2.4-py3.10');
      expect(ml[`sk-regression-${v}`].image).toMatch(/^ghcr\.io\/acme-geo\/sk-regression:0\.1\.0-2\.4-py3\.10/);
    }
  });

  test('every variant carries the service name as network alias, and one profile each', () => {
    const ml = parseYaml(files.get(ML)!).services;
    for (const p of ['cpu', 'gpu', 'dev']) {
      expect(ml[`sk-regression-${p}`].networks['net-sk-regression'].aliases).toEqual(['sk-regression']);
      expect(ml[`sk-regression-${p}`].profiles).toEqual([p]);
    }
  });

  test('docker compose up runs the base stack plus the CPU variant; --profile gpu swaps in the GPU variant', () => {
    const both = [BASE, ML];
    // minio and postgres run as non-root users on named volumes: a one-shot gives each its volume first
    const base = ['minio', 'minio-chown', 'postgres', 'postgres-chown', 'tiling'];
    for (const [flags, p] of [[[], 'cpu'], [['gpu'], 'gpu'], [['dev'], 'dev']] as const) {
      const gpu = p === 'gpu' ? ['dcgm-exporter'] : [];
      expect(composeUp(files, both, [...flags])).toEqual({ running: [...base, ...gpu, `backend-${p}`, `sk-regression-${p}`, `sk-regression-fetch-${p}`, `tile-classifier-${p}`].sort(), errors: [] });
    }
    expect(composeUp(files, [BASE], [])).toEqual({ running: base, errors: [] });
  });

  test('the dev variant syncs the source with Compose Watch, reloads on change and publishes a debug port', () => {
    const dev = parseYaml(files.get(ML)!).services['sk-regression-dev'];
    expect(dev.develop.watch).toContainEqual({ action: 'sync', path: '../../services/sk-regression/app', target: '/app/app', ignore: ['__pycache__/', '*.pyc'] });
    expect((dev.volumes ?? []).filter((v: any) => v.type === 'bind')).toEqual([]);
    expect(dev.command).toContain('--reload');
    // per service, on loopback only, on a port Docker chooses: two ML services never collide
    expect(dev.ports).toContainEqual('127.0.0.1::5678/tcp');
    expect(dev.build.target).toBe('dev');
  });

  test('every Compose build context and Dockerfile resolves to a file that exists', () => {
    const composeDir = path.join(ROOT, 'dist/docker');
    for (const s of Object.values<any>(parseYaml(files.get(ML)!).services).filter((x) => x.build)) {
      const context = path.resolve(composeDir, s.build.context);
      expect(fs.statSync(context).isDirectory()).toBe(true);
      const dockerfile = path.resolve(context, s.build.dockerfile);
      const name = s.image.split('/').pop().split(':')[0];
      expect(path.relative(ROOT, dockerfile)).toBe(`dist/docker/images/${name}/Dockerfile`);
      expect(files.has(`docker/images/${name}/Dockerfile`)).toBe(true);
      for (const b of (s.volumes ?? []).filter((v: any) => v.type === 'bind')) expect(fs.existsSync(path.resolve(composeDir, b.source))).toBe(true);
      for (const w of s.develop?.watch ?? []) expect({ path: w.path, exists: fs.existsSync(path.resolve(composeDir, w.path)) }).toEqual({ path: w.path, exists: true });
    }
  });

  test('shared memory and thread counts agree in both runtimes', () => {
    const cpuVariant = parseYaml(files.get(ML)!).services['sk-regression-cpu'];
    expect(cpuVariant.shm_size).toBe('1g');
    expect(cpuVariant.environment).toMatchObject({ OMP_NUM_THREADS: '2', MKL_NUM_THREADS: '2' });
    const d = parseStream(files.get('k8s/cpu/sk-regression.yaml')!).find((o) => o.kind === 'Deployment');
    const pod = d.spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'shm', mountPath: '/dev/shm' });
    expect(pod.containers[0].env).toEqual(expect.arrayContaining([{ name: 'OMP_NUM_THREADS', value: '2' }, { name: 'MKL_NUM_THREADS', value: '2' }]));
  });

  test('output is deterministic: two synths give identical files', () => {
    expect(buildStack({ rootDir: ROOT }).synthFiles()).toEqual(files);
  });
});
