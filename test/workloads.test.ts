import * as path from 'path';
import { Duration, Size } from 'cdk8s';
import { buildStack } from '../apps/stack';
import {
  ConcurrencyPolicy, DeclarationError, Dependency, GpuRequest, ImageSource, Job, MlService, PodDisruptionBudgetPolicy,
  Profile, Service, StatefulService, Workload,
} from '../lib';
import { composeConfig } from './helpers/compose-cli';
import { composeUp } from './helpers/compose-profiles';
import { mlService, newApp } from './helpers/fixture';
import { composeErrors, k8sErrors, k8sObjects, parseStream, parseYaml, podTemplates, restrictedViolations } from './helpers/validate';

const ROOT = path.join(__dirname, '..');
const BASE = 'docker/docker-compose.base.yml';
const ML = 'docker/docker-compose.ml.yml';
const img = 'busybox:1.36';

function validAll(files: Map<string, string>): void {
  for (const f of [BASE, ML]) if (files.has(f)) expect({ f, errors: composeErrors(parseYaml(files.get(f)!)) }).toEqual({ f, errors: [] });
  for (const { file, obj } of k8sObjects(files)) expect({ file, kind: obj.kind, errors: k8sErrors(obj) }).toEqual({ file, kind: obj.kind, errors: [] });
  for (const p of podTemplates(k8sObjects(files))) expect({ file: p.file, v: restrictedViolations(p.spec) }).toEqual({ file: p.file, v: [] });
}

describe('a CPU-only ML service beside a GPU one (apps/stack.ts: tile-classifier)', () => {
  const files = buildStack({ rootDir: ROOT }).synthFiles();
  const ml = parseYaml(files.get(ML)!).services;

  test.each(['cpu', 'gpu', 'dev'])('has a %s Compose variant on that profile\'s base, with no GPU reservation', (p) => {
    const s = ml[`tile-classifier-${p}`];
    expect(s.profiles).toEqual([p]);
    expect(s.deploy.resources.reservations.devices).toBeUndefined();
    expect(s.environment.NVIDIA_VISIBLE_DEVICES).toBe('void');
    // tile-classifier pins torch 2.5
    expect(s.build.args.BASE_IMAGE).toBe(p === 'gpu' ? 'ghcr.io/acme-geo/ml-base-cuda:2.5-cuda12.4' : 'ghcr.io/acme-geo/ml-base-cpu:2.5-py3.11');
  });

  test.each(['cpu', 'gpu'])('dist/k8s/%s has it with no GPU resource, toleration or GPU affinity', (p) => {
    const text = files.get(`k8s/${p}/tile-classifier.yaml`)!;
    expect(text).not.toMatch(/nvidia\.com\/(gpu|mig|cuda)/);
    const pod = parseStream(text).find((o) => o.kind === 'Deployment').spec.template.spec;
    expect(pod.tolerations).toBeUndefined();
    expect(pod.affinity).toBeUndefined();
    expect(pod.containers[0].resources.limits).toEqual({ cpu: '1', memory: '1Gi' });
  });

  test('while sk-regression in the same gpu profile takes its GPU', () => {
    const pod = parseStream(files.get('k8s/gpu/sk-regression.yaml')!).find((o) => o.kind === 'Deployment').spec.template.spec;
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
  });
});

describe('an ML service depending on another ML service', () => {
  const files = buildStack({ rootDir: ROOT }).synthFiles();
  const ml = parseYaml(files.get(ML)!).services;

  test.each(['cpu', 'gpu', 'dev'])('in profile %s, depends_on names the variant of the same profile', (p) => {
    expect(ml[`tile-classifier-${p}`].depends_on).toEqual({ [`sk-regression-${p}`]: { condition: 'service_healthy' } });
  });

  test.each([[[] as string[]], [['gpu']], [['dev']]])('profile semantics hold with --profile %j: every dependency runs', (flags) => {
    expect(composeUp(files, [BASE, ML], flags).errors).toEqual([]);
  });

  test.each([[[] as string[]], [['cpu']], [['gpu']], [['dev']]])("Compose's own loader (docker-compose config) merges and validates it with --profile %j", (flags) => {
    const r = composeConfig(files, [BASE, ML], flags);
    expect(r).toMatchObject({ ok: true });
    const merged = parseYaml(r.output);
    for (const p of ['cpu', 'gpu', 'dev']) expect(Object.keys(merged.services[`tile-classifier-${p}`].depends_on)).toEqual([`sk-regression-${p}`]);
  });

  test("Compose's own loader rejects what cdk8s-ml refuses: a depends_on on an undefined service", () => {
    const broken = new Map(files);
    broken.set(ML, files.get(ML)!.replace(/sk-regression-gpu:\n(\s+)condition/, 'sk-regression-nope:\n$1condition'));
    expect(composeConfig(broken, [BASE, ML], ['gpu'])).toMatchObject({ ok: false, output: expect.stringMatching(/undefined/) });
  });

  test('a profile-independent service depending on an ML service gets a variant per profile too', () => {
    const app = newApp();
    const svc = mlService(app, 'model');
    new Service(app, 'web', { image: img, dependsOn: [svc] });
    const out = app.synthFiles();
    const vars = parseYaml(out.get(ML)!).services;
    expect(Object.keys(vars).sort()).toEqual(['model-cpu', 'model-dev', 'model-gpu', 'web-cpu', 'web-dev', 'web-gpu']);
    expect(vars['web-gpu'].depends_on).toEqual({ 'model-gpu': { condition: 'service_healthy' } });
    expect(vars['web-gpu'].networks.default.aliases).toEqual(['web']);
    for (const flags of [[], ['gpu'], ['dev']]) expect(composeUp(out, [BASE, ML], flags).errors).toEqual([]);
    validAll(out);
  });

  test('a dependency missing from a profile is an error naming both, unless declared optional', () => {
    const app = newApp();
    const gpuOnly = mlService(app, 'big', { profiles: ['gpu'] });
    mlService(app, 'small', { dependsOn: [gpuOnly] });
    expect(() => app.synthFiles()).toThrow(/\[small\] workload 'small' runs in profile\(s\) \["cpu","dev"\] where its dependency 'big' \(big\) does not: .*Dependency\.optional\('big'\)/);

    const ok = newApp();
    const big = mlService(ok, 'big', { profiles: ['gpu'] });
    mlService(ok, 'small', { dependsOn: [Dependency.optional(big)] });
    const vars = parseYaml(ok.synthFiles().get(ML)!).services;
    expect(vars['small-gpu'].depends_on).toEqual({ 'big-gpu': { condition: 'service_healthy' } });
    expect(vars['small-cpu'].depends_on).toBeUndefined();
  });
});

describe('the shortest declaration is right', () => {
  test('two ML services with only their required props synthesize: no host port, per-service debug ports on loopback', () => {
    const app = newApp({}, 'a', 'b');
    new MlService(app, 'a', { build: 'services/a', command: ['uvicorn', 'app.main:app'] });
    new MlService(app, 'b', { build: 'services/b', command: ['uvicorn', 'app.main:app'] });
    const files = app.synthFiles();
    const vars = parseYaml(files.get(ML)!).services;
    for (const n of ['a', 'b']) {
      expect(vars[`${n}-cpu`].ports).toBeUndefined();
      expect(vars[`${n}-dev`].ports).toEqual(['127.0.0.1::5678/tcp']);
    }
    validAll(files);
    expect(composeConfig(files, [BASE, ML], ['dev'])).toMatchObject({ ok: true });
  });
});

describe('workload kinds', () => {
  test('a StatefulService is a StatefulSet with claim templates and a headless Service; Compose keeps a named volume', () => {
    const app = newApp();
    new StatefulService(app, 'db', {
      image: 'postgres:16.4-bookworm', user: 999, replicas: 2, ports: [{ port: 5432, name: 'postgres' }],
      volumes: [{ name: 'data', path: '/var/lib/postgresql/data', size: Size.gibibytes(20), storageClassName: 'fast.ssd' }],
    });
    const files = app.synthFiles();
    const objs = parseStream(files.get('k8s/cpu/db.yaml')!);
    expect(objs.map((o) => o.kind)).toEqual(['Service', 'StatefulSet']);
    expect(objs[0].spec.clusterIP).toBe('None');
    const sts = objs[1];
    expect(sts.spec.serviceName).toBe('db');
    expect(sts.spec.replicas).toBe(2);
    expect(sts.spec.volumeClaimTemplates).toEqual([expect.objectContaining({ metadata: expect.objectContaining({ name: 'data' }), spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast.ssd', resources: { requests: { storage: '20Gi' } } } })]);
    expect(sts.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/postgresql/data', readOnly: false });
    expect(sts.spec.template.spec.volumes.some((v: any) => v.persistentVolumeClaim)).toBe(false);
    expect(objs.some((o) => o.kind === 'PersistentVolumeClaim')).toBe(false);
    const compose = parseYaml(files.get(BASE)!);
    expect(compose.volumes).toEqual({ 'db-data': {} });
    validAll(files);
  });

  test('a Job is a Job with restartPolicy Never, a backoff limit and a TTL; Compose runs it once, off `up`', () => {
    const app = newApp();
    new Job(app, 'migrate', { image: img, command: ['sh', '-c', 'echo done'], backoffLimit: 4, activeDeadline: Duration.minutes(30) });
    const files = app.synthFiles();
    const [job] = parseStream(files.get('k8s/cpu/migrate.yaml')!);
    expect(job.kind).toBe('Job');
    expect(job.spec).toMatchObject({ backoffLimit: 4, activeDeadlineSeconds: 1800, ttlSecondsAfterFinished: 86400 });
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    const s = parseYaml(files.get(BASE)!).services.migrate;
    expect(s).toMatchObject({ restart: 'no', profiles: ['jobs'] });
    expect(composeUp(files, [BASE, ML], []).running).not.toContain('migrate');
    validAll(files);
  });

  test('a scheduled Job built on the ML base is a CronJob (Forbid) and takes GPUs in the gpu profile as a service does', () => {
    const app = newApp({}, 'train');
    const svc = mlService(app, 'svc');
    new Job(app, 'train', {
      image: ImageSource.mlBuild({ context: 'services/train', pipPackages: { 'scikit-learn': '1.5.2' } }),
      command: ['python', '-m', 'app.train'], schedule: '0 3 * * *', gpu: GpuRequest.whole(1), dependsOn: [svc],
    });
    const files = app.synthFiles();
    const [cron] = parseStream(files.get('k8s/gpu/train.yaml')!);
    expect(cron.kind).toBe('CronJob');
    expect(cron.spec).toMatchObject({ schedule: '0 3 * * *', concurrencyPolicy: ConcurrencyPolicy.FORBID });
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    const vars = parseYaml(files.get(ML)!).services;
    expect(vars['train-gpu']).toMatchObject({ restart: 'no', profiles: ['gpu-jobs'] });
    expect(vars['train-gpu'].deploy.resources.reservations.devices).toEqual(vars['svc-gpu'].deploy.resources.reservations.devices);
    expect(vars['train-cpu'].depends_on).toEqual({ 'svc-cpu': { condition: 'service_healthy' } });
    expect(composeConfig(files, [BASE, ML], ['gpu-jobs', 'gpu'])).toMatchObject({ ok: true });
    validAll(files);
  });

  test('Workload.isWorkload and the kind checks work across two copies of the library in one app', () => {
    let other: any;
    jest.isolateModules(() => { other = require('../lib'); });
    expect(other.Service).not.toBe(Service);
    const app = newApp();
    new other.Service(app, 'web', { image: img });
    new Service(app, 'db', { image: img });
    expect(Workload.isWorkload(app.node.findChild('web'))).toBe(true);
    expect(Service.isService(app.node.findChild('web'))).toBe(true);
    expect([...app.synthFiles().keys()]).toEqual(expect.arrayContaining(['k8s/cpu/web.yaml', 'k8s/cpu/db.yaml']));
  });
});

describe('targets as plug-ins', () => {
  test('a profile renders only to the targets it names', () => {
    const app = newApp({ builtInProfiles: false });
    new Profile(app, 'local', { targets: ['compose'], default: true });
    new Profile(app, 'cluster', { targets: ['kubernetes'] });
    mlService(app);
    const files = app.synthFiles();
    expect(Object.keys(parseYaml(files.get(ML)!).services)).toEqual(['svc-local']);
    expect([...files.keys()].filter((f) => f.startsWith('k8s/'))).toEqual(['k8s/cluster/kustomization.yaml', 'k8s/cluster/svc.yaml']);
    expect(files.has('docker/images/svc/Dockerfile')).toBe(true);
  });

  test('an unknown target is an error listing the known ones', () => {
    const app = newApp();
    new Profile(app, 'edge', { targets: ['nomad'] });
    expect(() => app.synthFiles()).toThrow(/\[edge\] target 'nomad' is not a profile target: use \["compose","kubernetes"\]/);
  });
});

describe('policies and the escape hatch', () => {
  test('a PodDisruptionBudget policy on the app gives a budget exactly where replicas >= 2, valid against policy/v1', () => {
    const app = newApp();
    app.addPolicy(new PodDisruptionBudgetPolicy());
    new Service(app, 'one', { image: img });
    new Service(app, 'three', { image: img, replicas: 3 });
    new Job(app, 'batch', { image: img });
    const files = app.synthFiles();
    const pdbs = k8sObjects(files).filter(({ obj }) => obj.kind === 'PodDisruptionBudget');
    expect(pdbs.map(({ file, obj }) => `${file}:${obj.metadata.name}`)).toEqual(['k8s/cpu/three.yaml:three', 'k8s/gpu/three.yaml:three']);
    expect(pdbs[0].obj.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'three', 'app.kubernetes.io/instance': 'three' } } });
    validAll(files);
  });

  test('addManifest puts any object in the profile\'s _manifests.yaml, validated', () => {
    const app = newApp();
    new Service(app, 'web', { image: img });
    app.addManifest('gpu', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'gpu-inference' }, value: 100000 });
    app.addManifest('cpu', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { LOG_LEVEL: 'info' } });
    const files = app.synthFiles();
    expect(parseStream(files.get('k8s/gpu/_manifests.yaml')!)).toEqual([{ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'gpu-inference' }, value: 100000 }]);
    expect(parseStream(files.get('k8s/cpu/_manifests.yaml')!)[0].data).toEqual({ LOG_LEVEL: 'info' });
  });

  test.each([
    ['no kind', { apiVersion: 'v1', metadata: { name: 'x' } }, /kind undefined is not a Kubernetes kind/],
    ['a bad name', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } }, /metadata\.name "Bad_Name" is not a DNS-1123 subdomain/],
    ['a schema error', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 1 } }, /must be string/],
    ['a clash with a generated object', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: {} }, /both Service 'web'/],
  ])('addManifest with %s stops the synth', (_, obj, message) => {
    const app = newApp();
    new Service(app, 'web', { image: img, ports: [{ port: 80 }] });
    app.addManifest('cpu', obj as any);
    expect(() => app.synthFiles()).toThrow(DeclarationError);
    expect(() => app.synthFiles()).toThrow(message);
  });

  test('typed overrides patch the rendered Compose service and Kubernetes object, per profile', () => {
    const app = newApp();
    const web = new Service(app, 'web', { image: img, ports: [{ port: 80 }] });
    web.addComposeOverride({ labels: { 'traefik.enable': 'true' } });
    web.addKubernetesOverride('Deployment', { spec: { template: { spec: { priorityClassName: 'gpu-inference' } } } }, { profile: 'gpu' });
    web.addKubernetesOverride('Service', { metadata: { annotations: { 'cloud.google.com/neg': '{"ingress": true}' } } });
    const files = app.synthFiles();
    expect(parseYaml(files.get(BASE)!).services.web.labels).toEqual({ 'traefik.enable': 'true' });
    const dep = (p: string) => parseStream(files.get(`k8s/${p}/web.yaml`)!).find((o) => o.kind === 'Deployment');
    expect(dep('gpu').spec.template.spec.priorityClassName).toBe('gpu-inference');
    expect(dep('cpu').spec.template.spec.priorityClassName).toBeUndefined();
    expect(parseStream(files.get('k8s/cpu/web.yaml')!).find((o) => o.kind === 'Service').metadata.annotations).toEqual({ 'cloud.google.com/neg': '{"ingress": true}' });
    validAll(files);
  });

  test.each([
    ['Compose', (w: Service) => w.addComposeOverride({ restartt: 'no' } as any), /Compose override of 'web' makes the service invalid against the Compose schema/],
    ['Kubernetes', (w: Service) => w.addKubernetesOverride('Deployment', { spec: { replicas: 'three' } }), /Deployment of 'web' as overridden or patched by a policy .* is not a valid Kubernetes object/],
    ['Kubernetes, a kind the workload has not', (w: Service) => w.addKubernetesOverride('StatefulSet', { spec: {} }), /names kind "StatefulSet", which workload 'web' does not render/],
  ])('an override that makes the output invalid stops the synth (%s)', (_, apply, message) => {
    const app = newApp();
    apply(new Service(app, 'web', { image: img, ports: [{ port: 80 }] }));
    expect(() => app.synthFiles()).toThrow(message);
  });
});
