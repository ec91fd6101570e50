import * as fs from 'fs';
import * as path from 'path';
import { DeclarationError, GpuRequest, Job, Service, StatefulService } from '../lib';
import { cronProblem } from '../lib/declaration/workloads/cron';
import { mlService, newApp, readTree } from './helpers/fixture';

/*
 * One synth reports every mistake of an app, from the three stages where they are found (a construct's own props;
 * across constructs while resolving; while rendering each target), ordered by construct path, each with the path, the
 * bad value and the fix; and it writes nothing.
 */

function report(run: () => void): DeclarationError {
  try {
    run();
  } catch (e) {
    if (DeclarationError.isDeclarationError(e)) return e;
    throw e;
  }
  throw new Error('no DeclarationError');
}

describe('one report for every mistake', () => {
  test('twelve mistakes over the three stages: one synth reports them all, in path order, and writes nothing', () => {
    const app = newApp({ namespace: 'ml' });
    // stage 1, a construct's own props
    new Service(app, 'a-port', { image: 'nginx:1.27', ports: [{ port: 70000 }] });
    new Job(app, 'b-cron', { image: 'busybox:1.36', command: ['true'], schedule: '0 25 * * *' });
    new Service(app, 'c-env', { image: 'nginx:1.27', env: { 'BAD-NAME': 'x' } });
    new Service(app, 'd-replicas', { image: 'nginx:1.27', replicas: 0 });
    // stage 2, across constructs
    new Service(app, 'e-dependency', { image: 'nginx:1.27', dependsOn: ['missing'] });
    mlService(app, 'f-gpu-by-profile', { gpuByProfile: { cpu: GpuRequest.whole(1) } });
    new Service(app, 'g-host-port', { image: 'nginx:1.27', ports: [{ port: 80, hostPort: 8080 }] });
    new Service(app, 'h-host-port', { image: 'nginx:1.27', ports: [{ port: 80, hostPort: 8080 }] });
    new Service(app, 'i-profile', { image: 'nginx:1.27', profiles: ['nope'] });
    // stage 3, rendering
    const j = new StatefulService(app, 'j-override', { image: 'postgres:16.4-bookworm', ports: [{ port: 5432 }] });
    j.addKubernetesOverride('StatefulSet', { spec: { template: { spec: { priorityClass: 'high' } } } }, { profile: 'cpu' });
    const k = new Service(app, 'k-compose', { image: 'nginx:1.27' });
    k.addComposeOverride({ lables: { team: 'ml' } } as any);
    const l = new Service(app, 'l-kind', { image: 'nginx:1.27', ports: [{ port: 80 }] });
    l.addKubernetesOverride('StatefulSet', { spec: { replicas: 3 } });
    // a workload depending on one with a problem: no second report about it
    new Service(app, 'm-client', { image: 'nginx:1.27', dependsOn: ['a-port'] });

    const before = readTree(path.join(app.rootDir, 'dist'));
    const e = report(() => app.synth());
    expect(readTree(path.join(app.rootDir, 'dist'))).toEqual(before);
    expect(fs.existsSync(path.join(app.rootDir, 'dist'))).toBe(false);
    const lines = e.problems.map((p) => `[${p.path}] ${p.message}`);
    const expected: Array<[string, RegExp]> = [
      ['a-port', /container port 70000 is invalid: use a whole number from 1 to 65535/],
      ['b-cron', /schedule '0 25 \* \* \*' has hour '25': 25 is outside 0-23, so the API server would refuse the CronJob: use five fields/],
      ['c-env', /environment variable name 'BAD-NAME' is invalid: use letters, digits and '_'/],
      ['d-replicas', /replicas 0 is invalid: use a whole number from 1 to 1000/],
      ['e-dependency', /dependency 'missing' is not a declared workload: declare it, or depend on one of/],
      ['f-gpu-by-profile', /gpuByProfile gives profile 'cpu' 1 GPU\(s\), but that profile runs on the cpu flavor and gives no GPUs.*: remove the entry, or name a GPU profile \(\["gpu"\]\)/],
      ['h-host-port', /host port 8080 is already published by workload 'g-host-port': publish a different hostPort/],
      ['i-profile', /profile 'nope' is not declared: use one of \["cpu","gpu","dev"\]/],
      ['j-override', /unknown field spec\.template\.spec\.priorityClass \(did you mean priorityClassName\?\)/],
      ['k-compose', /\/lables is not a Compose field \(did you mean labels\?\)/],
      ['l-kind', /Kubernetes override names kind "StatefulSet", which workload 'l-kind' does not render .*: use one of \["Deployment","Service"\]/],
    ];
    for (const [p, re] of expected) {
      expect({ p, found: lines.filter((x) => x.startsWith(`[${p}] `) && re.test(x)).length > 0 }).toEqual({ p, found: true });
    }
    // nothing else: each mistake is reported where it is (l-kind once per profile it renders in), and the workload
    // depending on one with a problem is not reported again
    expect(lines.filter((x) => !expected.some(([p, re]) => x.startsWith(`[${p}] `) && re.test(x)))).toEqual([]);
    expect(lines.some((x) => x.startsWith('[m-client]'))).toBe(false);
    // ordered by construct path
    const paths = e.problems.map((p) => p.path);
    expect(paths).toEqual([...paths].sort());
  });
});

describe('no silent drops', () => {
  test('gpuByProfile on a profile without GPUs is refused (the same request on a GPU profile is kept)', () => {
    const refused = newApp();
    mlService(refused, 'svc', { gpuByProfile: { cpu: GpuRequest.whole(1) } });
    expect(() => refused.synthFiles()).toThrow(/\[svc\] gpuByProfile gives profile 'cpu' 1 GPU\(s\)/);
    const kept = newApp();
    mlService(kept, 'svc', { gpuByProfile: { gpu: GpuRequest.whole(2) } });
    expect(kept.synthFiles().get('k8s/gpu/svc.yaml')).toMatch(/nvidia\.com\/gpu: 2\n/);
  });

  // The Kubernetes CronJob grammar (robfig/cron's standard parser): accepted and refused schedules.
  test.each([
    ['0 3 * * *'], ['*/15 * * * *'], ['0 0 1-7 * MON'], ['0 0 * JAN,JUL ?'], ['5,35 8-18/2 * * 1-5'], ['@hourly'], ['@daily'], ['0 0 31 12 6'],
  ])('accepts %s', (s) => {
    expect(cronProblem(s)).toBeUndefined();
  });
  test.each([
    ['0 25 * * *', /hour '25': 25 is outside 0-23/], ['60 * * * *', /minute '60'/], ['0 0 0 * *', /day of month '0'/],
    ['0 0 * 13 *', /month '13'/], ['0 0 * * 7', /day of week '7'/], ['0 0 * FOO *', /'FOO' is not a number or a name \(JAN-DEC\)/],
    ['*/0 * * * *', /step '0'/], ['0 5-3 * * *', /range '5-3' runs backwards/], ['0 3 * *', /4 field\(s\)/], ['@fortnightly', /field/],
    ['TZ=UTC 0 3 * * *', /time zone/], ['? * * * *', /minute '\?'/],
  ])('refuses %s', (s, re) => {
    expect(cronProblem(s)).toMatch(re);
  });
});

describe('no silent drops: overrides for a profile that does not render their runtime', () => {
  test('a Kubernetes override for the dev profile (Compose only) and a Compose override for a Kubernetes-only profile are refused', () => {
    const { Profile, ImageFlavor } = require('../lib');
    const app = newApp();
    new Profile(app, 'cluster', { flavor: ImageFlavor.CPU, targets: ['kubernetes'] });
    const web = new Service(app, 'web', { image: 'nginx:1.27', ports: [{ port: 80 }] });
    web.addKubernetesOverride('Deployment', { spec: { minReadySeconds: 5 } }, { profile: 'dev' });
    web.addComposeOverride({ labels: { a: 'b' } }, { profile: 'cluster' });
    const e = report(() => app.synthFiles());
    expect(e.problems.map((p) => `[${p.path}] ${p.message}`)).toEqual([
      expect.stringMatching(/^\[web\] Compose override for profile 'cluster' would have no effect: that profile does not render Compose \(targets \["kubernetes"\]\)/),
      expect.stringMatching(/^\[web\] Kubernetes override for profile 'dev' would have no effect: that profile does not render Kubernetes \(targets \["compose"\]\)/),
    ]);
  });
});

describe('a synth that says what it did', () => {
  test('`npm run synth` of the repository ends with one line per target and prints nothing that reads as a failure', () => {
    const { spawnSync } = require('child_process');
    const root = path.join(__dirname, '..');
    // dist/ is committed as synth writes it, so this run rewrites nothing
    const r = spawnSync('npm', ['run', 'synth'], { cwd: root, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
    expect(r.status).toBe(0);
    const out = `${r.stdout}${r.stderr}`;
    expect(out).toMatch(new RegExp(`cdk8s-ml: synthesized into ${path.join(root, 'dist').replace(/[/.]/g, '\\$&')}\\n`
      + '  compose {5}profiles cpu, gpu, dev: \\d+ file\\(s\\), 0 written, \\d+ unchanged\\n'
      + '  kubernetes {2}profiles cpu, gpu: \\d+ file\\(s\\), 0 written, \\d+ unchanged\\n'
      + '  docker {6}every profile: \\d+ file\\(s\\), 0 written, \\d+ unchanged\\n$'));
    expect(out).not.toMatch(/No manifests|Error|HTTP|\n\s+at /);
  });
});
