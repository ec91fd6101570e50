/*
 * npm run bench [-- --sizes 10,100,1000 --runs 3]
 *
 * Times the library's in-process synth of N ML services across the cpu, gpu and dev profiles next to a baseline that
 * builds the same Kubernetes objects (Deployment, Service, PVC per service and Kubernetes profile) with plain
 * cdk8s-plus-28 and writes them with yaml. Each measurement runs in a child process of its own so that peak memory
 * (maxRSS) belongs to one run. Then times `cdk8s synth` of this repository against a one-Deployment app.
 * A benchmark, not a test: it prints numbers and whether each target is met, and asserts nothing.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, JsonPatch, Size as CdkSize } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { stringify } from 'yaml';
import { Cpu, GpuRequest, MlApp, MlService } from '../lib';

const ROOT = path.join(__dirname, '..');
const K8S_PROFILES = ['cpu', 'gpu'];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

// Both sides write to RAM (tmpfs) where the machine has one, so disk journal flushes do not blur the library's own
// scaling; the writes themselves are still timed.
const SCRATCH = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();

function workRoot(): string {
  const root = fs.mkdtempSync(path.join(SCRATCH, 'cdk8s-ml-bench-'));
  fs.mkdirSync(path.join(root, 'services/svc/app'), { recursive: true });
  return root;
}

/** The library: declare N ML services and synthesize every target (Compose, Kubernetes, Dockerfiles, bake). */
function runLibrary(n: number, root: string): void {
  const app = new MlApp({ rootDir: root, name: 'bench' });
  for (let i = 0; i < n; i++) {
    new MlService(app, `svc-${i}`, {
      build: 'services/svc', command: ['uvicorn', 'app.main:app'], port: 8000, hostPort: 20000 + i, debugPort: 40000 + i,
      cpuRequest: Cpu.millis(500), cpuLimit: Cpu.units(2), gpu: GpuRequest.whole(1),
    });
  }
  app.synth();
}

/** The baseline: the same Kubernetes objects with plain cdk8s-plus-28, written with yaml. */
function runBaseline(n: number, root: string): void {
  for (const profile of K8S_PROFILES) {
    const app = new App({ outdir: path.join(root, 'baseline', profile) });
    const chart = new Chart(app, profile, { disableResourceNameHashes: true });
    for (let i = 0; i < n; i++) {
      const name = `svc-${i}`;
      const claim = new kplus.PersistentVolumeClaim(chart, `${name}-models`, { metadata: { name: `${name}-models` }, storage: CdkSize.gibibytes(10), accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE] });
      const deployment = new kplus.Deployment(chart, name, { metadata: { name }, replicas: 1, strategy: kplus.DeploymentStrategy.recreate() });
      const container = deployment.addContainer({
        name, image: `${name}:0.1.0-${profile}`, args: ['uvicorn', 'app.main:app'], portNumber: 8000,
        resources: { cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.units(2) }, memory: { request: CdkSize.gibibytes(2), limit: CdkSize.gibibytes(4) } },
        readiness: kplus.Probe.fromHttpGet('/health', { port: 8000 }), liveness: kplus.Probe.fromHttpGet('/health', { port: 8000 }),
        startup: kplus.Probe.fromHttpGet('/health', { port: 8000, failureThreshold: 60 }),
        envVariables: { MODEL_DIR: kplus.EnvValue.fromValue('/app/models'), OMP_NUM_THREADS: kplus.EnvValue.fromValue('2') },
      });
      container.mount('/app/models', kplus.Volume.fromPersistentVolumeClaim(chart, `${name}-vol`, claim));
      container.mount('/dev/shm', kplus.Volume.fromEmptyDir(chart, `${name}-shm`, 'shm', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: CdkSize.gibibytes(1) }));
      if (profile === 'gpu') {
        deployment.scheduling.tolerate(kplus.Node.tainted(kplus.NodeTaintQuery.exists('nvidia.com/gpu', { effect: kplus.TaintEffect.NO_SCHEDULE })));
        // cdk8s-plus has no extended resources; a quantity object survives serialization
        ApiObject.of(deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu', 1));
      }
      deployment.exposeViaService({ name, ports: [{ port: 8000 }] });
    }
    const dir = path.join(root, 'baseline', profile);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'all.yaml'), chart.toJson().map((o) => stringify(o)).join('---\n'));
  }
}

function child(kind: string, n: number): void {
  const root = workRoot();
  const start = process.hrtime.bigint();
  if (kind === 'lib') runLibrary(n, root);
  else runBaseline(n, root);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  fs.rmSync(root, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
}

function measure(kind: string, n: number, runs: number): { ms: number; maxRssMiB: number } {
  const results = [];
  for (let r = 0; r < runs; r++) {
    const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', __filename, '--child', kind, '--n', String(n)], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
    results.push(JSON.parse(out));
  }
  results.sort((a, b) => a.ms - b.ms);
  return { ms: results[Math.floor(results.length / 2)].ms, maxRssMiB: Math.max(...results.map((r) => r.maxRssMiB)) };
}

function timeCli(cwd: string, runs: number): number {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint();
    execFileSync(path.join(ROOT, 'node_modules/.bin/cdk8s'), ['synth', '--no-check-upgrade'], { cwd, stdio: 'pipe' });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

function oneDeploymentApp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-one-'));
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), `app: node --require ${require.resolve('tsx/cjs')} main.ts\noutput: dist\n`);
  fs.writeFileSync(path.join(dir, 'main.ts'), [
    `import { App, Chart } from ${JSON.stringify(require.resolve('cdk8s'))};`,
    `import * as kplus from ${JSON.stringify(require.resolve('cdk8s-plus-28'))};`,
    'const app = new App();',
    "const chart = new Chart(app, 'one');",
    "new kplus.Deployment(chart, 'web', { containers: [{ image: 'nginx:1.27', portNumber: 80 }] });",
    'app.synth();',
    '',
  ].join('\n'));
  return dir;
}

function main(): void {
  if (process.argv.includes('--child')) {
    child(arg('child', 'lib'), Number(arg('n', '10')));
    return;
  }
  const sizes = arg('sizes', '10,100,1000').split(',').map(Number);
  const runs = Number(arg('runs', '3'));
  const rows: Array<{ n: number; lib: number; base: number; ratio: number; mem: number }> = [];
  for (const n of sizes) {
    const lib = measure('lib', n, runs);
    const base = measure('base', n, runs);
    rows.push({ n, lib: lib.ms, base: base.ms, ratio: lib.ms / base.ms, mem: lib.maxRssMiB });
  }
  console.log(`In-process synth to ${SCRATCH}, median of ${runs} runs, ${os.cpus().length} x ${os.cpus()[0].model.trim()}, node ${process.version}`);
  console.log('');
  console.log('| N | library ms | baseline ms | ratio | peak memory (library) |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.n} | ${r.lib.toFixed(0)} | ${r.base.toFixed(0)} | ${r.ratio.toFixed(2)} | ${r.mem.toFixed(0)} MiB |`);
  console.log('');
  const checks: Array<[string, boolean]> = rows.map((r) => [`ratio at N=${r.n} <= 1.5 (${r.ratio.toFixed(2)})`, r.ratio <= 1.5]);
  const r100 = rows.find((r) => r.n === 100);
  const r1000 = rows.find((r) => r.n === 1000);
  if (r100 && r1000) checks.push([`time(1000) / time(100) <= 12 (${(r1000.lib / r100.lib).toFixed(1)})`, r1000.lib / r100.lib <= 12]);
  if (r1000) checks.push([`peak memory at N=1000 < 1024 MiB (${r1000.mem.toFixed(0)} MiB)`, r1000.mem < 1024]);

  if (!process.argv.includes('--no-cli')) {
    const one = oneDeploymentApp();
    const cliRuns = Math.max(runs, 3);
    const stack = timeCli(ROOT, cliRuns);
    const baseline = timeCli(one, cliRuns);
    fs.rmSync(one, { recursive: true, force: true });
    console.log(`cdk8s synth (CLI), median of ${cliRuns}: this repository ${stack.toFixed(0)} ms, one-Deployment app ${baseline.toFixed(0)} ms, ratio ${(stack / baseline).toFixed(2)}`);
    checks.push([`cdk8s synth within 1.3x of a one-Deployment app (${(stack / baseline).toFixed(2)})`, stack / baseline <= 1.3]);
  }
  console.log('');
  for (const [what, ok] of checks) console.log(`${ok ? 'met    ' : 'MISSED '} ${what}`);
}

main();
