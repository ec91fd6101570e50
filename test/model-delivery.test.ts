import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { buildStack } from '../apps/stack';
import { EnvValue, MlService, ModelSource, Service, checkParity } from '../lib';
import { newApp } from './helpers/fixture';
import { composeErrors, k8sErrors, k8sObjects, parseStream, parseYaml, podTemplates, restrictedViolations } from './helpers/validate';

const ROOT = path.join(__dirname, '..');
const SERVICE = path.join(ROOT, 'services/sk-regression');
const PY = '/usr/bin/python3';
const ML = 'docker/docker-compose.ml.yml';
jest.setTimeout(120_000);

const files = buildStack({ rootDir: ROOT }).synthFiles();
const compose = parseYaml(files.get(ML)!).services;
const deployment = (p: string) => parseStream(files.get(`k8s/${p}/sk-regression.yaml`)!).find((o) => o.kind === 'Deployment');

describe('model delivery in dist/', () => {
  test.each(['cpu', 'gpu', 'dev'])('the %s variant waits for its one-shot fetch service, which waits for minio', (p) => {
    expect(compose[`sk-regression-${p}`].depends_on[`sk-regression-fetch-${p}`]).toEqual({ condition: 'service_completed_successfully' });
    const fetch = compose[`sk-regression-fetch-${p}`];
    expect(fetch).toMatchObject({ profiles: [p], restart: 'no', depends_on: { minio: { condition: 'service_healthy' } }, read_only: true, cap_drop: ['ALL'] });
    expect(fetch.volumes).toEqual([{ type: 'volume', source: 'sk-regression-models', target: '/app/models', read_only: false }]);
    expect(fetch.command.slice(0, 2)).toEqual(['python', '/opt/cdk8s-ml/fetch_model.py']);
  });

  test.each(['cpu', 'gpu'])('the %s pod fetches in an init container into the model volume, under the restricted profile', (p) => {
    const pod = deployment(p).spec.template.spec;
    const init = pod.initContainers.find((c: any) => c.name === 'model-fetch');
    expect(init.command).toEqual(compose[`sk-regression-fetch-${p}`].command);
    expect(init.volumeMounts).toContainEqual({ name: 'data-0', mountPath: '/app/models' });
    expect(restrictedViolations(pod)).toEqual([]);
  });

  test('every file stays valid against its schema', () => {
    for (const f of ['docker/docker-compose.base.yml', ML]) expect(composeErrors(parseYaml(files.get(f)!))).toEqual([]);
    for (const { obj } of k8sObjects(files)) expect(k8sErrors(obj)).toEqual([]);
    for (const p of podTemplates(k8sObjects(files))) expect(restrictedViolations(p.spec)).toEqual([]);
  });

  test('probes: liveness /livez, readiness and startup /readyz in Kubernetes; /readyz in Compose', () => {
    for (const p of ['cpu', 'gpu']) {
      const c = deployment(p).spec.template.spec.containers[0];
      expect([c.livenessProbe.httpGet.path, c.readinessProbe.httpGet.path, c.startupProbe.httpGet.path]).toEqual(['/livez', '/readyz', '/readyz']);
    }
    for (const p of ['cpu', 'gpu', 'dev']) expect(compose[`sk-regression-${p}`].healthcheck.test.slice(-1)).toEqual(['http://127.0.0.1:8000/readyz']);
  });

  test('drain: one grace period in both runtimes, covering the preStop pause and the server timeout', () => {
    const pod = deployment('gpu').spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBe(30);
    expect(pod.containers[0].lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
    expect(pod.containers[0].env).toContainEqual({ name: 'SHUTDOWN_TIMEOUT_SECONDS', value: '20' });
    expect(compose['sk-regression-gpu'].stop_grace_period).toBe('30s');
    expect(checkParity(files).filter((d) => !d.expected)).toEqual([]);
    const broken = new Map(files);
    broken.set(ML, files.get(ML)!.replace(/stop_grace_period: "?30s"?/g, 'stop_grace_period: 10s'));
    expect(checkParity(broken).map((d) => d.field)).toEqual(expect.arrayContaining(['grace period', 'grace covers preStop and server timeout']));
  });

  test('with replicas, each pod fetches into a volume of its own: no ReadWriteOnce claim shared, rolling updates', () => {
    const app = newApp({}, 'svc');
    const minio = new Service(app, 'minio', { image: 'minio/minio:RELEASE.2024-10-13T13-34-11Z', ports: [{ port: 9000 }] });
    new MlService(app, 'svc', {
      build: 'services/svc', command: ['python', '-m', 'app.serve'], replicas: 3, drain: { longestRequest: Duration.seconds(10) },
      model: ModelSource.s3({ bucket: 'models', prefix: 'svc', endpoint: minio, accessKey: EnvValue.secretFile('s3', 'key'), secretKey: EnvValue.secretFile('s3', 'secret') }),
    });
    const out = app.synthFiles();
    const objs = parseStream(out.get('k8s/cpu/svc.yaml')!);
    expect(objs.map((o) => o.kind)).toEqual(['Deployment', 'Service']);
    expect(objs[0].spec.replicas).toBe(3);
    expect(objs[0].spec.strategy).toEqual({ type: 'RollingUpdate' });
    expect(objs[0].spec.template.spec.volumes).toContainEqual({ name: 'data-0', emptyDir: { sizeLimit: '10Gi' } });
    // without a model source the same replicas would share the claim, which is refused
    const refused = newApp({}, 'svc');
    new MlService(refused, 'svc', { build: 'services/svc', command: ['x'], replicas: 3 });
    expect(() => refused.synthFiles()).toThrow(/replicas 3 with ReadWriteOnce volume\(s\) \["models"\].*ModelSource\.s3\(\)/);
  });
});

// ---- end to end: a real S3-compatible server, the real fetcher and the real service, as the manifests say ----

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function exited(p: ChildProcess): Promise<number | null> {
  return p.exitCode !== null ? Promise.resolve(p.exitCode) : new Promise((r) => p.on('exit', (code) => r(code)));
}

describe('end to end: publish, fetch as the init container does, serve as the Compose variant does, drain', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-e2e-'));
  let s3: ChildProcess;
  let endpoint = '';
  const secrets = path.join(work, 'secrets');
  const models = path.join(work, 'models');
  const children: ChildProcess[] = [];

  /** A path of the container, mapped into the work folder (the model volume, secrets, caches, the fetcher). */
  const mapPath = (v: string) => v
    .replace(/^\/app\/models/, models)
    .replace(/^\/run\/secrets\//, `${secrets}/`)
    .replace(/^\/cache/, path.join(work, 'cache'))
    .replace(/^\/opt\/cdk8s-ml\/fetch_model\.py$/, path.join(ROOT, 'lib/python/fetch_model.py'))
    .replace(/^http:\/\/minio:9000$/, endpoint);
  const unescape = (v: string) => v.replace(/\$\$/g, '$'); // both runtimes read '$$' as '$'
  const credEnv = { AWS_ACCESS_KEY_ID_FILE: path.join(secrets, 'minio-credentials/root-user'), AWS_SECRET_ACCESS_KEY_FILE: path.join(secrets, 'minio-credentials/root-password') };

  /** The init container's command and environment, exactly, with container paths mapped. */
  function initFetch(): { cmd: string[]; env: Record<string, string> } {
    const init = deployment('cpu').spec.template.spec.initContainers.find((c: any) => c.name === 'model-fetch');
    const [exe, ...args] = init.command.map((a: string) => mapPath(unescape(a)));
    expect(exe).toBe('python');
    const env = Object.fromEntries(init.env.map((e: any) => [e.name, mapPath(unescape(e.value))]));
    return { cmd: [PY, ...args], env: { PATH: process.env.PATH!, ...env } };
  }

  function publish(version: string, bigBytes = 0): void {
    const script = [
      'import sys, json, os',
      'from pathlib import Path',
      'from app.model import fit, synthetic_data, write_version, sha256, MANIFEST',
      'from app.publish import publish, s3_client',
      'version, big, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])',
      'folder = write_version(out / version, fit(*synthetic_data(1))[0], version)',
      'if big:',
      '    (folder / "weights.bin").write_bytes(os.urandom(big))',
      '    m = json.loads((folder / MANIFEST).read_text())',
      '    m["files"].append({"name": "weights.bin", "size": big, "sha256": sha256(folder / "weights.bin")})',
      '    (folder / MANIFEST).write_text(json.dumps(m))',
      'print(publish(s3_client(sys.argv[4]), folder, "models", "sk-regression"))',
    ].join('\n');
    execFileSync(PY, ['-c', script, version, String(bigBytes), path.join(work, 'out'), endpoint], { cwd: SERVICE, env: { PATH: process.env.PATH!, ...credEnv }, stdio: 'pipe' });
  }

  beforeAll(async () => {
    fs.mkdirSync(path.join(secrets, 'minio-credentials'), { recursive: true });
    fs.writeFileSync(path.join(secrets, 'minio-credentials/root-user'), 'S3RVER'); // s3rver's own account
    fs.writeFileSync(path.join(secrets, 'minio-credentials/root-password'), 'S3RVER');
    fs.mkdirSync(path.join(work, 'cache'));
    const port = await freePort();
    endpoint = `http://127.0.0.1:${port}`;
    s3 = spawn(process.execPath, [path.join(ROOT, 'node_modules/s3rver/bin/s3rver.js'), '-d', path.join(work, 's3'), '-a', '127.0.0.1', '-p', String(port), '-s', '--configure-bucket', 'models'], { stdio: 'ignore' });
    await waitFor('s3rver', () => new Promise((r) => net.connect(port, '127.0.0.1').on('connect', function (this: net.Socket) { this.end(); r(true); }).on('error', () => r(false))));
    // the training job's own code trains on generated data and publishes the first version
    execFileSync(PY, ['-m', 'app.train', '--endpoint', endpoint, '--bucket', 'models', '--prefix', 'sk-regression', '--synthetic', '200', '--version', '20261101T000000Z'],
      { cwd: SERVICE, env: { PATH: process.env.PATH!, ...credEnv }, stdio: 'pipe' });
  });

  afterAll(() => {
    for (const c of [...children, s3]) if (c && c.exitCode === null) c.kill('SIGKILL');
  });

  test('the fetcher, run with exactly the init container\'s arguments and environment, puts the version in place', () => {
    const { cmd, env } = initFetch();
    const out = execFileSync(cmd[0], cmd.slice(1), { env, encoding: 'utf8' });
    expect(out.trim().split('\n').map((l) => JSON.parse(l).step)).toEqual(['start', 'version', 'downloaded', 'verified', 'done']);
    expect(fs.readlinkSync(path.join(models, 'current'))).toBe('versions/20261101T000000Z');
  });

  test('the service, run with exactly the CPU Compose variant\'s command and environment, serves that model and drains on SIGTERM', async () => {
    const variant = compose['sk-regression-cpu'];
    const port = await freePort();
    const [exe, ...args] = variant.command.map((a: string) => unescape(a)).map((a: string) => (a === '8000' ? String(port) : a));
    expect(exe).toBe('python');
    const env = Object.fromEntries(Object.entries<string>(variant.environment).map(([k, v]) => [k, mapPath(unescape(v))]));
    const server = spawn(PY, args, { cwd: SERVICE, env: { PATH: process.env.PATH!, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(server);
    const url = `http://127.0.0.1:${port}`;
    await waitFor('/livez', async () => (await fetch(`${url}/livez`)).ok);
    await waitFor('/readyz', async () => (await fetch(`${url}/readyz`)).status === 200);
    expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ status: 'ready', version: '20261101T000000Z', n_features: 3 });
    const predicted: any = await (await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ features: [[0, 0, 0], [1, 0, 0]] }) })).json();
    expect(predicted.version).toBe('20261101T000000Z');
    expect(predicted.predictions[0]).toBeCloseTo(3.0, 0);
    expect(predicted.predictions[1] - predicted.predictions[0]).toBeCloseTo(1.5, 0);
    // a slow request in flight when SIGTERM arrives completes; then the process exits by itself
    const slow = fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ features: [[0, 0, 0]], drill_delay_ms: 1500 }) });
    await new Promise((r) => setTimeout(r, 300));
    server.kill('SIGTERM');
    const response = await slow;
    expect(response.status).toBe(200);
    expect(((await response.json()) as any).predictions).toHaveLength(1);
    expect(await exited(server)).toBe(0);
  });

  test('a fetch killed half-way leaves the previous model intact; the next fetch completes and cleans up', async () => {
    publish('20261102T000000Z', 64 * 1024 * 1024);
    const { cmd, env } = initFetch();
    const fetcher = spawn(cmd[0], cmd.slice(1), { env, stdio: 'ignore' });
    children.push(fetcher);
    // kill it the moment its download into the staging folder has begun
    await waitFor('a partial download', () => fs.readdirSync(models).some((n) => n.startsWith('.fetch-')
      && fs.readdirSync(path.join(models, n)).some((f) => f.startsWith('weights.bin'))), 60_000);
    fetcher.kill('SIGKILL');
    await exited(fetcher);
    expect(fs.readlinkSync(path.join(models, 'current'))).toBe('versions/20261101T000000Z');
    const load = `from app.model import RegressionModel\nm = RegressionModel(${JSON.stringify(models)})\nprint(m.load_current(), m.version)`;
    expect(execFileSync(PY, ['-c', load], { cwd: SERVICE, encoding: 'utf8' }).trim()).toBe('True 20261101T000000Z');
    execFileSync(cmd[0], cmd.slice(1), { env, stdio: 'pipe' });
    expect(fs.readlinkSync(path.join(models, 'current'))).toBe('versions/20261102T000000Z');
    expect(fs.readdirSync(models).filter((n) => n.startsWith('.fetch-'))).toEqual([]);
    expect(execFileSync(PY, ['-c', load], { cwd: SERVICE, encoding: 'utf8' }).trim()).toBe('True 20261102T000000Z');
  });
});
