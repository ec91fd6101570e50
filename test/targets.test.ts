import { DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { composeTarget } from '../lib/targets/compose';
import { dockerTarget } from '../lib/targets/docker';
import { kubernetesTarget } from '../lib/targets/kubernetes';
import { renderToMap } from '../lib/targets/target';
import { FIXTURE } from './fixtures/model';
import { composeErrors, k8sErrors, parseStream, parseYaml, podTemplates, restrictedViolations } from './helpers/validate';
import { composeInterpolate, k8sExpand } from './helpers/expansion';

// Each target on the hand-written model alone: no construct, no resolver.
describe('the Compose target on a model fixture', () => {
  const files = renderToMap(composeTarget, FIXTURE, ['cpu']);
  const base = parseYaml(files.get('docker/docker-compose.base.yml')!);
  const ml = parseYaml(files.get('docker/docker-compose.ml.yml')!);

  test('writes the two layered files and the default profile, all valid against the Compose schema', () => {
    expect([...files.keys()].sort()).toEqual(['docker/.env', 'docker/docker-compose.base.yml', 'docker/docker-compose.ml.yml']);
    expect(composeErrors(base)).toEqual([]);
    expect(composeErrors(ml)).toEqual([]);
    expect(files.get('docker/.env')).toMatch(/^COMPOSE_PROFILES=cpu$/m);
  });

  test('renders only the profiles it is given: no gpu variant', () => {
    expect(Object.keys(ml.services).sort()).toEqual(['model-cpu', 'train-cpu']);
  });

  test('the model\'s values reach the process as they are: Compose interpolation gives them back', () => {
    const s = ml.services['model-cpu'];
    expect(composeInterpolate(s.environment.GREETING, { HOME: '/root' })).toBe('costs $5 ${HOME}');
    expect(composeInterpolate(s.command[3], { PREFIX: '/x' })).toBe('$PREFIX');
  });

  test('kinds: the job runs once and waits for nothing to be healthy after it; the database keeps its volume', () => {
    expect(ml.services['train-cpu']).toMatchObject({ restart: 'no', profiles: ['cpu-jobs'], depends_on: { db: { condition: 'service_healthy' } } });
    expect(base.volumes).toEqual({ 'db-data': {} });
    expect(base.secrets).toEqual({ db_password: { file: '../../.secrets/db/password' } });
  });

  test('check() reports what Compose cannot express, naming the path', () => {
    const problems: string[] = [];
    const mig = { ...FIXTURE, variants: [{ ...FIXTURE.variants[0], gpu: { kind: 'mig' as any, resourceName: 'nvidia.com/mig-1g.5gb', count: 1 } }] };
    composeTarget.check(mig, ['cpu'], (p, m) => problems.push(`[${p}] ${m}`));
    expect(problems).toEqual([expect.stringMatching(/^\[fixture\] GPU request 'nvidia\.com\/mig-1g\.5gb' in profile 'cpu' cannot render for Compose/)]);
  });
});

describe('the Kubernetes target on a model fixture', () => {
  const files = renderToMap(kubernetesTarget, FIXTURE, ['cpu', 'gpu']);

  test('one file per workload and profile, plus the escape-hatch file, every object valid', () => {
    expect([...files.keys()].sort()).toEqual(['k8s/cpu/db.yaml', 'k8s/cpu/kustomization.yaml', 'k8s/cpu/model.yaml', 'k8s/cpu/train.yaml', 'k8s/gpu/_manifests.yaml', 'k8s/gpu/db.yaml', 'k8s/gpu/kustomization.yaml', 'k8s/gpu/model.yaml']);
    for (const [f, text] of [...files].filter(([f]) => !f.endsWith('kustomization.yaml'))) for (const o of parseStream(text)) expect({ f, kind: o.kind, errors: k8sErrors(o) }).toEqual({ f, kind: o.kind, errors: [] });
  });

  test('each kind becomes its controller: StatefulSet + headless Service, Deployment + Service, CronJob', () => {
    expect(parseStream(files.get('k8s/cpu/db.yaml')!).map((o) => o.kind)).toEqual(['Service', 'StatefulSet']);
    expect(parseStream(files.get('k8s/cpu/model.yaml')!).map((o) => o.kind)).toEqual(['Deployment', 'Service']);
    expect(parseStream(files.get('k8s/cpu/train.yaml')!).map((o) => o.kind)).toEqual(['CronJob']);
  });

  test('the GPU variant gets the integer limit, toleration and driver affinity; liveness and readiness use their own paths', () => {
    const dep = parseStream(files.get('k8s/gpu/model.yaml')!)[0];
    const pod = dep.spec.template.spec;
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
    expect(files.get('k8s/gpu/model.yaml')).toMatch(/^\s+nvidia\.com\/gpu: 1$/m);
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.containers[0].livenessProbe.httpGet.path).toBe('/livez');
    expect(pod.containers[0].readinessProbe.httpGet.path).toBe('/readyz');
  });

  test('values reach the process as they are: Kubernetes expansion gives them back', () => {
    const c = parseStream(files.get('k8s/cpu/model.yaml')!)[0].spec.template.spec.containers[0];
    const vars = Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));
    expect(k8sExpand(vars.GREETING, { ...vars, HOME: '/root' })).toBe('costs $5 ${HOME}');
    expect(k8sExpand(c.args[3], { PREFIX: '/x' })).toBe('$PREFIX');
  });

  test('every pod template passes the restricted profile', () => {
    const objects = [...files].flatMap(([file, text]) => parseStream(text).map((obj) => ({ file, obj })));
    for (const p of podTemplates(objects)) expect({ file: p.file, v: restrictedViolations(p.spec) }).toEqual({ file: p.file, v: [] });
  });
});

describe('the Docker target on a model fixture', () => {
  const files = renderToMap(dockerTarget, FIXTURE, ['cpu', 'gpu']);

  test('base and service Dockerfiles lint clean, with a .dockerignore beside the service one, and one bake file', () => {
    expect([...files.keys()].sort()).toEqual([
      'docker/docker-bake.json', 'docker/images/ml-base-cpu/Dockerfile', 'docker/images/ml-base-cpu/fetch_model.py',
      'docker/images/ml-base-cuda/Dockerfile', 'docker/images/ml-base-cuda/fetch_model.py',
      'docker/images/model/Dockerfile', 'docker/images/model/Dockerfile.dockerignore', 'github/workflows/publish-images.yml',
    ]);
    for (const f of [...files.keys()].filter((k) => k.endsWith('/Dockerfile'))) expect({ f, lint: validate(files.get(f)!) }).toEqual({ f, lint: [] });
    const service = DockerfileParser.parse(files.get('docker/images/model/Dockerfile')!);
    expect(service.getFROMs().map((f) => f.getRawArgumentsContent())).toEqual(['${BASE_IMAGE} AS runtime', 'runtime AS dev']);
  });

  test('bake builds each service flavor on its base through named contexts', () => {
    const bake = JSON.parse(files.get('docker/docker-bake.json')!);
    expect(bake.target['model-cuda']).toMatchObject({ args: { BASE_IMAGE: 'reg.example/ml-base-cuda:2.4-cuda12.4' }, contexts: { 'reg.example/ml-base-cuda:2.4-cuda12.4': 'target:ml-base-cuda' } });
    expect(bake.target['ml-base-cpu'].context).toBe('dist/docker/images/ml-base-cpu');
  });
});

describe('rendering follows the model', () => {
  // nothing of one rendering is kept for the next: a changed model renders its change
  test('a changed model renders its change', () => {
    const model = structuredClone(FIXTURE);
    const before = renderToMap(kubernetesTarget, model, ['cpu']);
    const db = model.base.find((w) => w.service === 'db')!;
    (db.env as Array<{ name: string; value: string }>)[0].value = '/elsewhere';
    (db.health as { intervalSeconds: number }).intervalSeconds = 7;
    const after = renderToMap(kubernetesTarget, model, ['cpu']);
    const container = (files: Map<string, string>) => parseStream(files.get('k8s/cpu/db.yaml')!).find((o) => o.kind === 'StatefulSet').spec.template.spec.containers[0];
    expect(container(before).env[0]).toEqual({ name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' });
    expect(container(after).env[0]).toEqual({ name: 'PGDATA', value: '/elsewhere' });
    expect(container(after).readinessProbe.periodSeconds).toBe(7);
    const compose = parseYaml(renderToMap(composeTarget, model, ['cpu']).get('docker/docker-compose.base.yml')!);
    expect(compose.services.db.environment.PGDATA).toBe('/elsewhere');
    expect(compose.services.db.healthcheck.interval).toBe('7s');
  });
});
