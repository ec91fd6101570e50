import * as fs from 'fs';
import * as path from 'path';
import { DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { EnvValue, GpuRequest, ImageFlavor, MlService, Profile, Service } from '../lib';
import { mlService, newApp } from './helpers/fixture';
import { composeErrors, k8sErrors, k8sObjects, parseStream, parseYaml } from './helpers/validate';

const BASE = 'docker/docker-compose.base.yml';
const ML = 'docker/docker-compose.ml.yml';

function valid(files: Map<string, string>): void {
  for (const f of [BASE, ML]) expect(composeErrors(parseYaml(files.get(f)!))).toEqual([]);
  for (const { file, obj } of k8sObjects(files)) expect({ file, errors: k8sErrors(obj) }).toEqual({ file, errors: [] });
}

describe('unusual but valid input is accepted and means what was declared', () => {
  test('secret names and storage classes with dots', () => {
    const app = newApp();
    new Service(app, 'db', {
      image: 'postgres:16.4-bookworm',
      env: { POSTGRES_PASSWORD_FILE: EnvValue.secretFile('db.credentials.v2', 'pass.word') },
      volumes: [{ name: 'data', path: '/var/lib/postgresql/data', storageClassName: 'premium.ssd.csi' }],
    });
    const files = app.synthFiles();
    const [pvc, dep] = parseStream(files.get('k8s/cpu/db.yaml')!);
    expect(pvc.spec.storageClassName).toBe('premium.ssd.csi');
    expect(dep.spec.template.spec.volumes.find((v: any) => v.name === 'secrets').projected.sources[0].secret).toEqual({ name: 'db.credentials.v2', items: [{ key: 'pass.word', path: 'db.credentials.v2/pass.word' }] });
    const compose = parseYaml(files.get(BASE)!);
    expect(compose.services.db.environment.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/db.credentials.v2/pass.word');
    expect(compose.secrets['db.credentials.v2_pass.word']).toEqual({ file: '../../.secrets/db.credentials.v2/pass.word' });
    valid(files);
  });

  test('environment variables named like JavaScript object members keep their values in both runtimes', () => {
    // valid POSIX names that a plain object would confuse with its prototype's members
    const names = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__'];
    const app = newApp();
    const env: Record<string, string> = {};
    names.forEach((n, i) => Object.defineProperty(env, n, { value: `v${i}`, enumerable: true }));
    new Service(app, 'api', { image: 'nginx:1.27', env: { ...env, REF: EnvValue.expand('${toString}-x') } });
    const files = app.synthFiles();
    const compose = parseYaml(files.get(BASE)!).services.api.environment;
    const dep = parseStream(files.get('k8s/cpu/api.yaml')!).find((o) => o.kind === 'Deployment');
    const k8sEnv = dep.spec.template.spec.containers[0].env;
    names.forEach((n, i) => {
      expect(Object.prototype.hasOwnProperty.call(compose, n) && compose[n]).toBe(`v${i}`);
      expect(k8sEnv.find((e: any) => e.name === n)?.value).toBe(`v${i}`);
    });
    expect(compose.REF).toBe('v1-x');
    valid(files);
  });

  test('a version like 1.0.0-RC1 tags every image and is the version label', () => {
    const app = newApp();
    mlService(app, 'svc', { version: '1.0.0-RC1' });
    const files = app.synthFiles();
    const dep = parseStream(files.get('k8s/gpu/svc.yaml')!).find((o) => o.kind === 'Deployment');
    expect(dep.spec.template.spec.containers[0].image).toBe('svc:1.0.0-RC1-2.4-cuda12.4');
    expect(dep.metadata.labels['app.kubernetes.io/version']).toBe('1.0.0-RC1-2.4-cuda12.4');
    valid(files);
  });

  test('pip requirements with extras are installed as written, and the Dockerfile lints clean', () => {
    const app = newApp();
    mlService(app, 'svc', { pipPackages: { 'uvicorn[standard]': '0.30.6', 'scikit-learn': '1.5.2', 'torch-geometric': '2.6.1.post1' } });
    const df = app.synthFiles().get('docker/images/svc/Dockerfile')!;
    expect(validate(df)).toEqual([]);
    const run = DockerfileParser.parse(df).getInstructions().find((i) => i.getKeyword() === 'RUN')!;
    expect(run.getRawArgumentsContent()).toBe('pip install --no-cache-dir uvicorn[standard]==0.30.6 scikit-learn==1.5.2 torch-geometric==2.6.1.post1');
  });

  test('every synthesized Dockerfile gets a .dockerignore beside it keeping secrets, output, git and node_modules out', () => {
    const app = newApp();
    mlService(app, 'svc');
    const ignore = app.synthFiles().get('docker/images/svc/Dockerfile.dockerignore')!.split('\n');
    expect(ignore).toEqual(expect.arrayContaining(['.secrets', '**/.secrets', '.git', 'node_modules', 'dist']));
  });

  test('a GPU-less ML service, a MIG request with device ids, and gpuByProfile side by side', () => {
    const app = newApp();
    const id = 'MIG-5c4c3a6e-0d8c-5b1e-9e6a-0b0a4e4c6f10';
    new Profile(app, 'mig', { flavor: ImageFlavor.CUDA, gpu: GpuRequest.mig('3g.40gb', 1, { deviceIds: [id] }) });
    mlService(app, 'cpuonly', { gpu: GpuRequest.none() });
    mlService(app, 'big', { gpuByProfile: { gpu: GpuRequest.whole(2) } });
    const files = app.synthFiles();
    const vars = parseYaml(files.get(ML)!).services;
    expect(vars['cpuonly-mig'].deploy.resources.reservations.devices).toBeUndefined();
    expect(vars['big-mig'].deploy.resources.reservations.devices).toEqual([{ driver: 'nvidia', device_ids: [id], capabilities: ['gpu'] }]);
    expect(vars['big-gpu'].deploy.resources.reservations.devices).toEqual([{ driver: 'nvidia', count: 2, capabilities: ['gpu'] }]);
    const limits = (p: string, s: string) => parseStream(files.get(`k8s/${p}/${s}.yaml`)!).find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].resources.limits;
    expect(limits('mig', 'big')['nvidia.com/mig-3g.40gb']).toBe(1);
    expect(limits('gpu', 'big')['nvidia.com/gpu']).toBe(2);
    expect(Object.keys(limits('gpu', 'cpuonly'))).toEqual(['cpu', 'memory']);
    valid(files);
  });

  test('a health path with a query and a command with quotes and $ reach the probe and the process unchanged', () => {
    const app = newApp({}, 'svc');
    new MlService(app, 'svc', { build: 'services/svc', command: ['python', '-c', "print('cost: $5')"], healthPath: '/ready?full=1' });
    const files = app.synthFiles();
    const c = parseStream(files.get('k8s/cpu/svc.yaml')!).find((o) => o.kind === 'Deployment').spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet.path).toBe('/ready?full=1');
    expect(c.args).toEqual(['python', '-c', "print('cost: $$5')"]);
    expect(parseYaml(files.get(ML)!).services['svc-cpu'].healthcheck.test.slice(-1)).toEqual(['http://127.0.0.1:8000/ready?full=1']);
    valid(files);
  });

  test('workloads declared alike share their rendered parts, and a $ in them is escaped in every workload', () => {
    const app = newApp({}, 'svc');
    const props = { build: 'services/svc', command: ['python', '-c', "print('cost: $5')"], env: { PRICE: 'cost $5', HOME_URL: '${HOST}/x' } };
    for (const name of ['svc-a', 'svc-b', 'svc-c']) new MlService(app, name, { ...props, env: { ...props.env } });
    const files = app.synthFiles();
    const services = parseYaml(files.get(ML)!).services;
    for (const name of ['svc-a', 'svc-b', 'svc-c']) {
      for (const key of [`${name}-cpu`, `${name}-gpu`, `${name}-dev`]) {
        expect({ key, env: services[key].environment }).toMatchObject({ key, env: { PRICE: 'cost $$5', HOME_URL: '$${HOST}/x' } });
        // (the dev variant runs the command with --reload after it)
        expect({ key, command: services[key].command.slice(0, 3) }).toEqual({ key, command: ['python', '-c', "print('cost: $$5')"] });
      }
      for (const profile of ['cpu', 'gpu']) {
        const c = parseStream(files.get(`k8s/${profile}/${name}.yaml`)!).find((o) => o.kind === 'Deployment').spec.template.spec.containers[0];
        expect({ name, profile, env: c.env.filter((e: any) => ['PRICE', 'HOME_URL'].includes(e.name)) })
          .toEqual({ name, profile, env: [{ name: 'PRICE', value: 'cost $$5' }, { name: 'HOME_URL', value: '$${HOST}/x' }] });
        expect(c.args).toEqual(['python', '-c', "print('cost: $$5')"]);
      }
    }
    valid(files);
  });

  test('the service Dockerfile copies with the JSON form, so a path is never parsed as more of the instruction', () => {
    const app = newApp();
    fs.mkdirSync(path.join(app.rootDir, 'services/svc/my_models'), { recursive: true });
    mlService(app, 'svc', { copy: [{ from: 'app', to: '/app/app' }, { from: 'my_models', to: '/opt/models@v1' }] });
    const df = app.synthFiles().get('docker/images/svc/Dockerfile')!;
    const copies = DockerfileParser.parse(df).getInstructions().filter((i) => i.getKeyword() === 'COPY').map((i) => JSON.parse(i.getRawArgumentsContent()!));
    expect(copies).toEqual([['app', '/app/app'], ['my_models', '/opt/models@v1']]);
  });
});
