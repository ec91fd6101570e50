/*
 * npm run bench [-- --sizes 10,100,1000,10000 --runs 5 --no-cli]
 *
 * Times the library's in-process synth of N ML services (every target: Compose, Kubernetes, Dockerfiles, bake) next
 * to a baseline that builds the Kubernetes objects of the same services (PersistentVolumeClaim, Deployment, Service
 * per service and Kubernetes profile) with plain cdk8s-plus-28 and writes them with cdk8s's YAML writer, one file per
 * service. Both write to the project's folder on disk, runs are interleaved (library, baseline, library, ...), and
 * each runs in a child process of its own so that peak memory (maxRSS) belongs to one run. Then checks that a second
 * synth with no change rewrites no file, and times `cdk8s synth` of this repository against a one-Deployment app
 * compiled to plain JavaScript, in paired interleaved runs.
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

// Both sides write to the project's own folder on disk (.bench/, git-ignored), where a real synth writes.
const SCRATCH = path.join(ROOT, '.bench');

function workRoot(): string {
  fs.mkdirSync(SCRATCH, { recursive: true });
  const root = fs.mkdtempSync(path.join(SCRATCH, 'run-'));
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
    // one file per service, as the library writes them
    const byService = new Map<string, unknown[]>();
    for (const o of chart.toJson()) {
      const name = String((o as any).metadata.name).replace(/-(models|vol|shm)$/, '');
      byService.set(name, [...(byService.get(name) ?? []), o]);
    }
    for (const [name, objs] of byService) fs.writeFileSync(path.join(dir, `${name}.yaml`), objs.map((o) => stringify(o)).join('---\n'));
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

/** Interleaved runs of both sides: medians of time, and each side's peak memory. */
function measurePair(n: number, runs: number): { lib: { ms: number; mem: number }; base: { ms: number; mem: number } } {
  const runOne = (kind: string) => JSON.parse(execFileSync(process.execPath, ['--require', 'tsx/cjs', __filename, '--child', kind, '--n', String(n)],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'] }));
  const lib: Array<{ ms: number; maxRssMiB: number }> = [];
  const base: Array<{ ms: number; maxRssMiB: number }> = [];
  for (let r = 0; r < runs; r++) {
    lib.push(runOne('lib'));
    base.push(runOne('base'));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    lib: { ms: median(lib.map((x) => x.ms)), mem: Math.max(...lib.map((x) => x.maxRssMiB)) },
    base: { ms: median(base.map((x) => x.ms)), mem: Math.max(...base.map((x) => x.maxRssMiB)) },
  };
}

/** Whether a second synth with no change leaves every file as it was (same inode and mtime). */
function secondSynthRewritesNothing(n: number): boolean {
  const root = workRoot();
  runLibrary(n, root);
  const stamp = () => {
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else out.push(`${p} ${fs.statSync(p).mtimeMs} ${fs.statSync(p).ino}`);
      }
    };
    walk(path.join(root, 'dist'));
    return out.sort().join('\n');
  };
  const before = stamp();
  runLibrary(n, root);
  const same = stamp() === before;
  fs.rmSync(root, { recursive: true, force: true });
  return same;
}

/** Paired, interleaved runs of two `cdk8s synth` projects; the median of each. */
function timeCliPair(a: string, b: string, runs: number): [number, number] {
  const once = (cwd: string) => {
    const start = process.hrtime.bigint();
    execFileSync(path.join(ROOT, 'node_modules/.bin/cdk8s'), ['synth', '--no-check-upgrade'], { cwd, stdio: 'pipe' });
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const xs: number[] = [];
  const ys: number[] = [];
  for (let r = 0; r < runs; r++) {
    xs.push(once(a));
    ys.push(once(b));
  }
  const median = (v: number[]) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)];
  return [median(xs), median(ys)];
}

function oneDeploymentApp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-one-'));
  // compiled to plain JavaScript: the floor of what a cdk8s app costs under the CLI
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), 'app: node main.js\noutput: dist\n');
  fs.writeFileSync(path.join(dir, 'main.js'), [
    `const { App, Chart } = require(${JSON.stringify(require.resolve('cdk8s'))});`,
    `const kplus = require(${JSON.stringify(require.resolve('cdk8s-plus-28'))});`,
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
  const sizes = arg('sizes', '10,100,1000,10000').split(',').map(Number);
  const runs = Number(arg('runs', '5'));
  const rows: Array<{ n: number; lib: number; base: number; ratio: number; libMem: number; baseMem: number }> = [];
  for (const n of sizes) {
    const r = measurePair(n, runs);
    rows.push({ n, lib: r.lib.ms, base: r.base.ms, ratio: r.lib.ms / r.base.ms, libMem: r.lib.mem, baseMem: r.base.mem });
  }
  console.log(`In-process synth to ${path.relative(ROOT, SCRATCH)}/ (disk), interleaved, median of ${runs} runs, ${os.cpus().length} x ${os.cpus()[0].model.trim()}, node ${process.version}`);
  console.log('');
  console.log('| N | library ms | baseline ms | ratio | peak memory (library) | peak memory (baseline) |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.n} | ${r.lib.toFixed(0)} | ${r.base.toFixed(0)} | ${r.ratio.toFixed(2)} | ${r.libMem.toFixed(0)} MiB | ${r.baseMem.toFixed(0)} MiB |`);
  console.log('');
  const checks: Array<[string, boolean | undefined]> = [];
  const at = (n: number) => rows.find((r) => r.n === n);
  if (at(1000)) checks.push([`library <= 0.5x the cdk8s-plus baseline at N=1000 (${at(1000)!.ratio.toFixed(2)})`, at(1000)!.ratio <= 0.5]);
  if (at(1000) && at(10000)) checks.push([`t(10000) / t(1000) <= 11 (${(at(10000)!.lib / at(1000)!.lib).toFixed(1)})`, at(10000)!.lib / at(1000)!.lib <= 11]);
  if (at(10000)) checks.push([`peak memory at N=10000 < 512 MiB (${at(10000)!.libMem.toFixed(0)} MiB)`, at(10000)!.libMem < 512]);
  const small = Math.min(100, Math.max(...sizes));
  checks.push([`a second synth with no change rewrites no file (N=${small})`, secondSynthRewritesNothing(small)]);
  checks.push(['baseline objects identical to the library\'s, and a string-template floor (issue "Synth at the physical floor")', undefined]);

  if (!process.argv.includes('--no-cli')) {
    const one = oneDeploymentApp();
    const cliRuns = Math.max(runs, 5);
    const [stack, baseline] = timeCliPair(ROOT, one, cliRuns);
    fs.rmSync(one, { recursive: true, force: true });
    console.log(`cdk8s synth (CLI), paired interleaved runs, median of ${cliRuns}: this repository ${stack.toFixed(0)} ms, one-Deployment app (plain JavaScript) ${baseline.toFixed(0)} ms, ratio ${(stack / baseline).toFixed(2)}`);
    checks.push([`cdk8s synth <= 1.10x a precompiled one-Deployment app (${(stack / baseline).toFixed(2)})`, stack / baseline <= 1.1]);
  }
  console.log('');
  for (const [what, ok] of checks) console.log(`${ok === undefined ? 'not yet' : ok ? 'met    ' : 'MISSED '} ${what}`);
}

main();
