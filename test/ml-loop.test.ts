import * as path from 'path';
import { buildStack } from '../apps/stack';
import { ImageFlavor, ImageSource, Job, Profile } from '../lib';
import { composeConfig } from './helpers/compose-cli';
import { composeUp } from './helpers/compose-profiles';
import { mlService, newApp } from './helpers/fixture';
import { composeErrors, k8sErrors, k8sObjects, parseStream, parseYaml, restrictedViolations } from './helpers/validate';

const ROOT = path.join(__dirname, '..');
const BASE = 'docker/docker-compose.base.yml';
const ML = 'docker/docker-compose.ml.yml';
const files = buildStack({ rootDir: ROOT }).synthFiles();
const compose = parseYaml(files.get(ML)!).services;
const objects = (f: string) => parseStream(files.get(f)!);
const podOf = (o: any) => (o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec);

describe('training on the same images', () => {
  test.each(['cpu', 'gpu'])('dist/k8s/%s holds the training Job and the nightly CronJob, valid and restricted', (p) => {
    const [job] = objects(`k8s/${p}/sk-regression-train.yaml`);
    const [cron] = objects(`k8s/${p}/sk-regression-retrain.yaml`);
    expect(job.kind).toBe('Job');
    expect(job.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 3600, ttlSecondsAfterFinished: 86400 });
    expect(cron.kind).toBe('CronJob');
    expect(cron.spec).toMatchObject({ schedule: '0 3 * * *', concurrencyPolicy: 'Forbid' });
    for (const o of [job, cron]) {
      expect(k8sErrors(o)).toEqual([]);
      expect(podOf(o).restartPolicy).toBe('Never');
      expect(restrictedViolations(podOf(o))).toEqual([]);
    }
  });

  test.each(['cpu', 'gpu'])('in %s, training runs on exactly the serving image and requests GPUs exactly as serving does', (p) => {
    const serving = podOf(objects(`k8s/${p}/sk-regression.yaml`).find((o) => o.kind === 'Deployment')).containers[0];
    for (const f of ['sk-regression-train', 'sk-regression-retrain']) {
      const c = podOf(objects(`k8s/${p}/${f}.yaml`)[0]).containers[0];
      expect(c.image).toBe(serving.image);
      const gpu = (r: any) => Object.fromEntries(Object.entries(r.limits).filter(([k]) => k.startsWith('nvidia.com/')));
      expect(gpu(c.resources)).toEqual(gpu(serving.resources));
    }
    const composeServing = compose[`sk-regression-${p}`];
    for (const j of ['train', 'retrain']) {
      const s = compose[`sk-regression-${j}-${p}`];
      expect(s.image).toBe(composeServing.image);
      expect(s.build).toEqual(composeServing.build);
      expect(s.deploy.resources.reservations.devices).toEqual(composeServing.deploy.resources.reservations.devices);
    }
  });

  test.each(['cpu', 'gpu', 'dev'])('Compose has the one-shot training service in profile %s, off `up`, run by `docker compose run`', (p) => {
    const s = compose[`sk-regression-train-${p}`];
    expect(s).toMatchObject({ restart: 'no', profiles: [`${p}-jobs`], depends_on: { minio: { condition: 'service_healthy' } } });
    expect(s.command.slice(0, 3)).toEqual(['python', '-m', 'app.train']);
    const flags = p === 'cpu' ? [] : [p];
    expect(composeUp(files, [BASE, ML], flags).running).not.toContain(`sk-regression-train-${p}`);
    // `docker compose run` activates the service's own profile: with it, everything it needs runs
    expect(composeUp(files, [BASE, ML], [...(flags.length ? flags : ['cpu']), `${p}-jobs`]).errors).toEqual([]);
    expect(composeConfig(files, [BASE, ML], [...(flags.length ? flags : ['cpu']), `${p}-jobs`])).toMatchObject({ ok: true });
  });

  test('the image is built once: no Dockerfile or bake target of the training jobs\' own', () => {
    expect([...files.keys()].filter((f) => /images\/sk-regression-(re)?train/.test(f))).toEqual([]);
    expect(Object.keys(JSON.parse(files.get('docker/docker-bake.json')!).target).filter((t) => t.includes('train'))).toEqual([]);
  });

  test('ImageSource.of() is refused where the other workload\'s image is not built for the profile', () => {
    const app = newApp();
    new Profile(app, 'big', { flavor: ImageFlavor.CUDA });
    const svc = mlService(app, 'svc', { profiles: ['gpu'] });
    new Job(app, 'train', { image: ImageSource.of(svc), command: ['python', '-m', 'train'] });
    expect(() => app.synthFiles()).toThrow(/\[train\] workload 'train' shares the image of 'svc', which is built only for profile\(s\) \["gpu"\]/);
  });
});

describe('stateful data services', () => {
  test.each(['cpu', 'gpu'])('postgres and minio are StatefulSets with claim templates and a headless Service in dist/k8s/%s', (p) => {
    for (const name of ['postgres', 'minio']) {
      const objs = objects(`k8s/${p}/${name}.yaml`);
      expect(objs.map((o) => o.kind).slice(0, 2)).toEqual(['Service', 'StatefulSet']);
      expect(objs[0].spec.clusterIP).toBe('None');
      expect(objs[1].spec.serviceName).toBe(name);
      expect(objs[1].spec.volumeClaimTemplates.map((t: any) => t.metadata.name)).toEqual(['data']);
    }
  });

  test('data paths, probes and credentials are as before', () => {
    const pg = podOf(objects('k8s/cpu/postgres.yaml')[1]).containers[0];
    expect(pg.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/postgresql/data', readOnly: false });
    expect(pg.readinessProbe.exec.command[0]).toBe('pg_isready');
    expect(pg.env).toContainEqual({ name: 'POSTGRES_PASSWORD_FILE', value: '/run/secrets/postgres-credentials/password' });
    const base = parseYaml(files.get(BASE)!);
    expect(base.volumes).toMatchObject({ 'postgres-data': {}, 'minio-data': {} });
  });

  test('no Deployment in the stack shares a ReadWriteOnce claim', () => {
    for (const { file, obj } of k8sObjects(files).filter(({ obj }) => obj.kind === 'Deployment')) {
      const claims = (obj.spec.template.spec.volumes ?? []).filter((v: any) => v.persistentVolumeClaim);
      if (claims.length) expect({ file, replicas: obj.spec.replicas, strategy: obj.spec.strategy.type }).toEqual({ file, replicas: 1, strategy: 'Recreate' });
    }
  });
});

describe('Compose Watch for the dev profile', () => {
  test('the dev variants carry develop.watch (sync sources, rebuild on the Dockerfile) and validate against the Compose schema', () => {
    for (const s of ['sk-regression-dev', 'tile-classifier-dev']) {
      const watch = compose[s].develop.watch;
      expect(watch.map((w: any) => w.action)).toEqual(['sync', 'rebuild']);
      expect(watch[1].path).toMatch(/^images\/[a-z-]+\/Dockerfile$/);
      expect(compose[s].ports).toContainEqual('127.0.0.1::5678/tcp');
    }
    expect(composeErrors(parseYaml(files.get(ML)!))).toEqual([]);
  });

  test('the bind-mount form is still there for Compose older than 2.22, and Compose 1.29 itself reads it', () => {
    const app = newApp({ builtInProfiles: false });
    Profile.cpu(app);
    new Profile(app, 'dev', { dev: true, devSync: 'bind' });
    mlService(app);
    const out = app.synthFiles();
    const dev = parseYaml(out.get(ML)!).services['svc-dev'];
    expect(dev.develop).toBeUndefined();
    expect(dev.volumes).toContainEqual({ type: 'bind', source: '../../services/svc/app', target: '/app/app', read_only: true });
    expect(dev.read_only).toBe(true);
    expect(composeConfig(out, [BASE, ML], ['dev'])).toMatchObject({ ok: true });
  });
});
