import * as fs from 'fs';
import * as path from 'path';
import { Engine, ROOT } from '../../scripts/images/engine';
import { ComposeProject, healthOf } from './compose-project';

/*
 * The emitted images and Compose files, executed (issue 27): every target of dist/docker/docker-bake.json is built by
 * the README's own `docker buildx bake`, and the cpu profile's services run from those images by `docker compose`,
 * on a real Docker Engine with the stand-in upstream images of test/images/stand-ins (npm run test:images).
 */

const BAKE = 'dist/docker/docker-bake.json';
const bake = JSON.parse(fs.readFileSync(path.join(ROOT, BAKE), 'utf8'));
const log = (line: string) => process.stdout.write(`${line}\n`);

/** Bake's targets, each after the targets it takes as a context, as bake itself orders them. */
function graphOrder(): string[] {
  const order: string[] = [];
  const visit = (t: string) => {
    if (order.includes(t)) return;
    for (const c of Object.values<string>(bake.target[t].contexts ?? {})) if (c.startsWith('target:')) visit(c.slice('target:'.length));
    order.push(t);
  };
  Object.keys(bake.target).forEach(visit);
  return order;
}

/**
 * What the emitted security contract means inside a running container of `service`: its user; a root file system it
 * cannot write; its tmpfs mounts, and only those, writable; no effective capability; its secrets readable as files at
 * their targets; shared memory of the declared size.
 */
function expectContract(project: ComposeProject, service: string): void {
  const s = project.services[service];
  const sh = (script: string) => project.exec(service, ['sh', '-c', script]);
  expect(sh('id -u').stdout.trim()).toBe(String(s.user).split(':')[0]);
  expect(s.read_only).toBe(true);
  const root = sh('touch /probe');
  expect({ service, status: root.status === 0, error: /Read-only file system/.test(root.stderr) }).toEqual({ service, status: false, error: true });
  // `path[:options]`, as Compose reads a tmpfs entry
  for (const dir of (s.tmpfs ?? []).map((t: string) => t.split(':')[0])) expect({ service, dir, writable: sh(`touch ${dir}/probe && rm ${dir}/probe`).status }).toEqual({ service, dir, writable: 0 });
  expect(sh('grep CapEff /proc/1/status').stdout).toMatch(/CapEff:\s+0+\n/);
  for (const secret of s.secrets ?? []) expect({ service, secret: secret.target, readable: sh(`test -r ${secret.target} && test -s ${secret.target}`).status }).toEqual({ service, secret: secret.target, readable: 0 });
  if (s.shm_size) {
    const kib = Number(sh('df -k /dev/shm | tail -1').stdout.trim().split(/\s+/)[1]);
    expect({ service, shm: kib * 1024 }).toEqual({ service, shm: bytes(s.shm_size) });
  }
}

const bytes = (size: string) => Number(/^(\d+)([mg])$/.exec(size)![1]) * (size.endsWith('g') ? 1024 ** 3 : 1024 ** 2);

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.start();
});
afterAll(async () => {
  await engine?.stop();
});

describe('docker buildx bake builds every target of the emitted bake file', () => {
  test.each(graphOrder())('%s', (target) => {
    const t = bake.target[target];
    const r = engine.docker(['buildx', 'bake', '-f', BAKE, '--load', '--progress', 'plain', target]);
    if (r.status !== 0) throw new Error(`bake target ${target} failed to build:\n${r.stderr.split('\n').filter((l) => /ERROR|error|failed/.test(l)).slice(-15).join('\n')}`);
    for (const tag of t.tags) {
      const [image] = JSON.parse(engine.must(['image', 'inspect', tag]));
      // the image is the one the graph describes: its labels, and the app user the Compose files and pods run as
      expect(image.Config.Labels).toMatchObject(t.labels);
      expect(image.Config.User).toBe('10001:10001');
      log(`built ${target.padEnd(22)} ${tag} (${Math.round(image.Size / 1e6)} MB)`);
    }
  });
});

describe('the cpu profile, run by docker compose from the built images', () => {
  let project: ComposeProject;
  let version: string;
  // Training data from a known linear function, so the served predictions can be checked against it.
  const f = (a: number, b: number) => 3 * a - 2 * b + 1;
  beforeAll(() => {
    project = new ComposeProject(engine, ROOT, 'dist', {
      'minio-credentials/root-user': 'e2e-admin',
      'minio-credentials/root-password': `e2e-${Date.now()}-secret`,
      'postgres-credentials/password': `pg-${Date.now()}-secret`,
    });
  });
  afterAll(() => project?.down());

  test('minio and postgres start under the contract on fresh named volumes and become healthy', () => {
    project.must(['--profile', 'cpu', 'up', '-d', '--no-build', '--wait', '--wait-timeout', '180', 'minio', 'postgres']);
    for (const service of ['minio', 'postgres']) {
      const [c] = project.containers(service);
      const health = healthOf(c);
      log(`${service}: health ${health.status}, last check exit ${health.exitCode} ${JSON.stringify(health.output?.slice(0, 80))}`);
      expect(health).toMatchObject({ status: 'healthy', exitCode: 0 });
      expectContract(project, service);
      const uid = String(project.services[service].user).split(':')[0];
      // the volume-owner one-shot gave the fresh volume to the service's user
      const [owner] = project.containers(`${service}-chown`);
      expect(owner.State.ExitCode).toBe(0);
      const mount = project.services[service].volumes[0].target;
      expect(project.exec(service, ['stat', '-c', '%u', mount]).stdout.trim()).toBe(uid);
    }
  });

  test('the training job reads its data from minio and publishes a model version', () => {
    const rows = ['x1,x2,y'];
    for (let i = 0; i < 200; i++) {
      const a = (i * 7919) % 1000 / 100;
      const b = (i * 104729) % 1000 / 100;
      rows.push(`${a},${b},${f(a, b)}`);
    }
    // the data arrives as a user's pipeline would put it: through S3, with the stack's credentials, from the job's image
    project.must(['--profile', 'cpu-jobs', 'run', '--rm', '--no-deps', '-T', 'sk-regression-train-cpu', 'python', '-c', [
      'import sys', 'from app.publish import s3_client', "s3 = s3_client('http://minio:9000')",
      "s3.create_bucket(Bucket='models')", "s3.put_object(Bucket='models', Key='data/sk-regression.csv', Body=sys.stdin.buffer.read())",
    ].join('\n')], { input: `${rows.join('\n')}\n` });
    // then the job exactly as emitted
    const out = project.must(['--profile', 'cpu-jobs', 'run', '--rm', 'sk-regression-train-cpu']);
    const published = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((e) => e.step === 'published');
    expect(published).toMatchObject({ component: 'train', rows: 200 });
    version = published.version;
    log(`sk-regression-train-cpu published version ${version} (r2 ${published.r2})`);
  });

  test('sk-regression-cpu: the fetch puts that version into the named volume as uid 10001, both replicas become healthy and predict', () => {
    project.must(['--profile', 'cpu', 'up', '-d', '--no-build', '--wait', '--wait-timeout', '300', 'sk-regression-cpu']);
    const [fetch] = project.containers('sk-regression-fetch-cpu');
    expect(fetch.State.ExitCode).toBe(0);
    expect(fetch.Config.User).toBe('10001:10001');
    const replicas = project.containers('sk-regression-cpu');
    expect(replicas).toHaveLength(project.services['sk-regression-cpu'].deploy.replicas);
    for (const c of replicas) {
      const health = healthOf(c);
      log(`${c.Name.slice(1)}: health ${health.status}, last check exit ${health.exitCode}`);
      expect(health).toMatchObject({ status: 'healthy', exitCode: 0 });
    }
    expectContract(project, 'sk-regression-cpu');
    const files = project.exec('sk-regression-cpu', ['find', '/app/models', '-type', 'f', '-printf', '%U %p\n']).stdout.trim().split('\n');
    expect(files.some((l) => l.includes(`/versions/${version}/`))).toBe(true);
    for (const l of files) expect(l).toMatch(/^10001 /);
    const ready = JSON.parse(project.exec('sk-regression-cpu', ['python', '-c', "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:8000/readyz').read().decode())"]).stdout);
    expect(ready).toMatchObject({ status: 'ready', version });
    const points = [[1, 2], [4, 0], [7.5, 3.25]];
    const answer = JSON.parse(project.must(['exec', '-T', 'sk-regression-cpu', 'python', '-c', [
      'import json, sys, urllib.request',
      "req = urllib.request.Request('http://127.0.0.1:8000/predict', data=sys.argv[1].encode(), headers={'content-type': 'application/json'})",
      'print(urllib.request.urlopen(req).read().decode())',
    ].join('\n'), JSON.stringify({ features: points })]));
    expect(answer.version).toBe(version);
    answer.predictions.forEach((p: number, i: number) => expect(Math.abs(p - f(points[i][0], points[i][1]))).toBeLessThan(0.05));
  });

  test('tile-classifier-cpu becomes healthy, reaches sk-regression by its alias and not postgres', () => {
    project.must(['--profile', 'cpu', 'up', '-d', '--no-build', '--wait', '--wait-timeout', '300', 'tile-classifier-cpu']);
    const [c] = project.containers('tile-classifier-cpu');
    const health = healthOf(c);
    log(`tile-classifier-cpu: health ${health.status}, last check exit ${health.exitCode}`);
    expect(health).toMatchObject({ status: 'healthy', exitCode: 0 });
    expectContract(project, 'tile-classifier-cpu');
    const call = (url: string) => project.exec('tile-classifier-cpu', ['python', '-c', `import urllib.request; print(urllib.request.urlopen('${url}', timeout=5).status)`]);
    expect(call('http://sk-regression:8000/readyz').stdout.trim()).toBe('200');
    // isolation: tile-classifier is on sk-regression's network only, so postgres's name does not resolve
    expect(call('http://postgres:5432/').stderr).toMatch(/Name or service not known|Temporary failure in name resolution/);
    const labels = project.exec('tile-classifier-cpu', ['python', '-c', [
      'import json, urllib.request',
      "req = urllib.request.Request('http://127.0.0.1:8000/classify', data=json.dumps({'mean_rgb': [[40, 80, 140]]}).encode(), headers={'content-type': 'application/json'})",
      'print(urllib.request.urlopen(req).read().decode())',
    ].join('\n')]);
    expect(JSON.parse(labels.stdout)).toEqual({ labels: ['water'] });
  });

  test('sk-regression-cpu drains on docker compose stop: an in-flight request finishes and it exits 0 within stop_grace_period', async () => {
    const grace = Number(/^(\d+)s$/.exec(project.services['sk-regression-cpu'].stop_grace_period)![1]);
    const hold = 4000;
    // a request held for `hold` ms by the service's drill parameter, in flight when the stop begins
    const inFlight = project.composeAsync(['exec', '-T', '--index', '1', 'sk-regression-cpu', 'python', '-c', [
      'import json, urllib.request',
      `req = urllib.request.Request('http://127.0.0.1:8000/predict', data=json.dumps({'features': [[1, 2]], 'drill_delay_ms': ${hold}}).encode(), headers={'content-type': 'application/json'})`,
      'print(urllib.request.urlopen(req, timeout=60).status)',
    ].join('\n')]);
    await new Promise((r) => setTimeout(r, 1000));
    const started = Date.now();
    const stop = project.compose(['stop', 'sk-regression-cpu']);
    const seconds = (Date.now() - started) / 1000;
    expect(stop.status).toBe(0);
    expect((await inFlight).stdout.trim()).toBe('200');
    for (const c of project.containers('sk-regression-cpu')) {
      log(`${c.Name.slice(1)}: stopped in ${seconds.toFixed(1)} s (grace ${grace} s), exit ${c.State.ExitCode}`);
      expect(c.State.ExitCode).toBe(0); // 137 would be the SIGKILL at the end of the grace period
    }
    expect(seconds).toBeLessThan(grace);
  });
});
