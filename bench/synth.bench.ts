/*
 * npm run bench [-- --sizes 10,100,1000,10000 --runs 5 --no-cli --no-settle]
 *
 * Times three ways of writing the same files for N ML services (every target: Compose, Kubernetes, Dockerfiles,
 * bake, workflow):
 * - the library: declare N MlServices and synthesize;
 * - the baseline (bench/baseline.ts): the Kubernetes objects with plain cdk8s-plus-28 and cdk8s's YAML writer, the
 *   other files from the floor's templates;
 * - the floor (bench/floor.ts): every file from string templates.
 * and two that show where the library's time goes: 'writer' (the floor's files through the library's writer) and
 * 'unrendered' (the library's declaration and resolution, then the writer with the floor's files).
 * All of them write to the project's folder on disk (.bench/, git-ignored), and their trees are compared byte for
 * byte at every size. Runs are interleaved (each run every side, the first side rotating from run to run), each
 * in a child process of its own so that peak memory (maxRSS) belongs to one run; times are medians. Then it checks
 * that a second synth with no change rewrites no file, and times `cdk8s synth` of this repository against a
 * one-Deployment app compiled to plain JavaScript, in paired interleaved runs.
 * A benchmark, not a test: it prints numbers and whether each guard rail is met, and asserts nothing.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
// Each side loads only its own modules (required in run()), so that a child's peak memory is its side's alone.
import type * as Lib from '../lib';

const ROOT = path.join(__dirname, '..');
const FETCHER = fs.readFileSync(path.join(ROOT, 'lib/python/fetch_model.py'), 'utf8');
// 'writer' and 'unrendered' are not targets: they show where the library's time goes (see runUnrendered()).
const SIDES = ['library', 'baseline', 'floor', 'writer', 'unrendered'] as const;
type Side = typeof SIDES[number];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

// Every side writes to the project's own folder on disk (.bench/, git-ignored), where a real synth writes.
const SCRATCH = path.join(ROOT, '.bench');

/*
 * Deleting files makes creating files slow for minutes on some disks, this machine's among them: on ext4 without a
 * journal, allocating an inode skips every inode number freed less than 60 s ago (360 s while its inode table block
 * has unwritten changes, which new files in the same block make), reading the inode table block for each, unless
 * that block is no longer cached (fs/ext4/ialloc.c, recently_deleted()). After a run's 4000 files are deleted,
 * creating a file costs up to 1 ms of kernel time instead of 0.05 ms. So no tree is deleted until every time is
 * taken (`kept` holds them), and the bench starts on a settled disk (settle()).
 */
const RECENTLY_DELETED_MS = 361_000;
const kept: string[] = [];

/**
 * Writes every change back and drops the kernel's clean caches, which ends the slow period at once; false where
 * that is not allowed (it needs root) or not Linux.
 */
function dropCaches(): boolean {
  try {
    execFileSync('sync');
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

/** Removes the trees of this bench after every time is taken, and leaves the disk settled when asked and allowed. */
function removeTrees(settled: boolean): void {
  for (const root of kept.splice(0)) fs.rmSync(root, { recursive: true, force: true });
  if (settled) dropCaches();
}

/**
 * Removes what an interrupted bench left, then settles the disk: drops the kernel's caches, or, where that is not
 * allowed, waits until no inode freed in .bench/ is recent any more.
 */
function settle(): void {
  const existed = fs.existsSync(SCRATCH);
  if (existed) for (const e of fs.readdirSync(SCRATCH)) fs.rmSync(path.join(SCRATCH, e), { recursive: true, force: true });
  if (dropCaches() || !existed) return;
  // the folder's mtime is its last removal (a bench removes its trees last)
  const wait = fs.statSync(SCRATCH).mtimeMs + RECENTLY_DELETED_MS - Date.now();
  if (wait > 0) {
    process.stderr.write(`waiting ${Math.ceil(wait / 1000)} s for the inodes freed in ${path.relative(ROOT, SCRATCH)}/ to become reusable at full speed (as root, the bench drops the kernel's caches instead)\n`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
  }
}

function workRoot(): string {
  fs.mkdirSync(SCRATCH, { recursive: true });
  const root = fs.mkdtempSync(path.join(SCRATCH, 'run-'));
  fs.mkdirSync(path.join(root, 'services/svc/app'), { recursive: true });
  return root;
}

/** The bench's app: N ML services on the built-in profiles. */
function declare(n: number, root: string): Lib.MlApp {
  const { Cpu, GpuRequest, MlApp, MlService } = require('../lib') as typeof Lib;
  const app = new MlApp({ rootDir: root, name: 'bench' });
  for (let i = 0; i < n; i++) {
    new MlService(app, `svc-${i}`, {
      build: 'services/svc', command: ['uvicorn', 'app.main:app'], port: 8000, hostPort: 20000 + i, debugPort: 40000 + i,
      cpuRequest: Cpu.millis(500), cpuLimit: Cpu.units(2), gpu: GpuRequest.whole(1),
    });
  }
  return app;
}

/** The library: declare N ML services and synthesize every target (Compose, Kubernetes, Dockerfiles, bake). */
function runLibrary(n: number, root: string): void {
  declare(n, root).synth();
}

/** The floor's files, written as the library writes its own (staging folder, background thread, atomic swap). */
function writeFloorAtomically(dir: string, n: number): void {
  const { writeAtomically } = require('../lib/synth/atomic-writer') as typeof import('../lib/synth/atomic-writer');
  const files = (require('./floor') as typeof import('./floor')).floorFiles(n, FETCHER);
  writeAtomically(dir, (write) => files.forEach(([f, content]) => write(f, content)), undefined, files.length);
}

/*
 * What the library would take if rendering cost nothing: the same declaration and resolution as the library (every
 * check included), then the floor's files through the library's writer instead of the targets. Its time over the
 * floor's is the least the library's ratio to the floor can be with any renderer; 'writer' is the write path alone.
 */
function runUnrendered(n: number, root: string): void {
  const app = declare(n, root);
  app._resolve();
  writeFloorAtomically(path.join(root, 'dist'), n);
}

function run(side: Side, n: number, root: string): void {
  if (side === 'library') runLibrary(n, root);
  else if (side === 'unrendered') runUnrendered(n, root);
  else if (side === 'writer') writeFloorAtomically(path.join(root, 'dist'), n);
  else if (side === 'baseline') (require('./baseline') as typeof import('./baseline')).writeBaseline(path.join(root, 'dist'), n, FETCHER);
  else (require('./floor') as typeof import('./floor')).writeFloor(path.join(root, 'dist'), n, FETCHER);
}

/** The modules of a side, loaded before its clock starts (the CLI comparison below times loading). */
function load(side: Side): void {
  if (side === 'library' || side === 'unrendered') require('../lib');
  if (side === 'writer' || side === 'unrendered') require('../lib/synth/atomic-writer');
  if (side !== 'library') require(side === 'baseline' ? './baseline' : './floor');
}

function child(side: Side, n: number): void {
  const root = workRoot();
  load(side);
  const start = process.hrtime.bigint();
  run(side, n, root);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  process.stdout.write(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, root }));
}

/** The middle value (the upper one of an even count). */
function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

/** The first difference between two trees, or undefined when they are byte for byte equal. */
function treeDifference(a: Map<string, string>, b: Map<string, string>): string | undefined {
  for (const f of a.keys()) if (!b.has(f)) return `${f} only in one`;
  for (const f of b.keys()) if (!a.has(f)) return `${f} only in the other`;
  for (const [f, content] of a) if (b.get(f) !== content) return `${f} differs`;
  return undefined;
}

interface Measured {
  /** Median time. */
  ms: number;
  /** Fastest and slowest run. */
  range: [number, number];
  /** Median over runs of this side's time divided by the library's in the same run (1 for the library). */
  pairedRatio: number;
  /** Peak memory over runs. */
  mem: number;
  /** Median over runs of this side's time divided by the floor's in the same run. */
  overFloor: number;
}

/** Interleaved runs of every side: medians of time, each side's peak memory, and whether the trees were equal. */
function measure(n: number, runs: number): { sides: Record<Side, Measured>; files: number; difference?: string } {
  const runOne = (side: Side) => JSON.parse(execFileSync(process.execPath, ['--require', 'tsx/cjs', __filename, '--child', side, '--n', String(n)],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'] })) as { ms: number; maxRssMiB: number; root: string };
  const results = Object.fromEntries(SIDES.map((side) => [side, []])) as unknown as Record<Side, Array<{ ms: number; maxRssMiB: number }>>;
  let difference: string | undefined;
  let files = 0;
  for (let r = 0; r < runs; r++) {
    // The disk's speed drifts with what ran before, so the side that goes first rotates from run to run.
    const roots = new Map<Side, string>();
    for (let k = 0; k < SIDES.length; k++) {
      const side = SIDES[(r + k) % SIDES.length];
      // Every side starts with nothing waiting to be written back: otherwise the kernel is still writing back the
      // files of the side before while this one runs, and with the order rotating by one the floor would always
      // follow the baseline (seconds of mostly computing), the library always a side that had just written its files.
      execFileSync('sync');
      const one = runOne(side);
      results[side].push(one);
      roots.set(side, one.root);
    }
    if (r === 0) {
      // the same files, byte for byte, or the comparison means nothing (read by the parent only: children load
      // nothing but their side)
      const { readTree } = require('../test/helpers/fixture') as typeof import('../test/helpers/fixture');
      const [lib, ...others] = SIDES.map((side) => readTree(path.join(roots.get(side)!, 'dist')));
      files = lib.size;
      difference = others.map((t, i) => { const d = treeDifference(lib, t); return d && `${SIDES[i + 1]}: ${d}`; }).find(Boolean);
    }
    kept.push(...roots.values());
  }
  const sides = Object.fromEntries(SIDES.map((side) => {
    const ms = results[side].map((x) => x.ms);
    return [side, {
      ms: median(ms), range: [Math.min(...ms), Math.max(...ms)], mem: Math.max(...results[side].map((x) => x.maxRssMiB)),
      pairedRatio: median(results.library.map((x, i) => x.ms / results[side][i].ms)),
      overFloor: median(results[side].map((x, i) => x.ms / results.floor[i].ms)),
    }];
  })) as Record<Side, Measured>;
  return { sides, files, difference };
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
  kept.push(root);
  return same;
}

/**
 * Paired, interleaved runs of two `cdk8s synth` projects: the median of each, and the median over pairs of the first
 * one's time over the second's (both move with the machine's load, so the pair's ratio is steadier than either).
 */
function timeCliPair(a: string, b: string, runs: number): { a: number; b: number; ratio: number } {
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
  return { a: median(xs), b: median(ys), ratio: median(xs.map((x, i) => x / ys[i])) };
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
    child(arg('child', 'library') as Side, Number(arg('n', '10')));
    return;
  }
  const sizes = arg('sizes', '10,100,1000,10000').split(',').map(Number);
  const runs = Number(arg('runs', '5'));
  const settled = !process.argv.includes('--no-settle');
  if (settled) settle();
  const rows: Array<{ n: number; files: number; difference?: string } & Record<Side, Measured>> = [];
  for (const n of sizes) {
    const m = measure(n, runs);
    rows.push({ n, files: m.files, difference: m.difference, ...m.sides });
  }
  console.log(`In-process synth to ${path.relative(ROOT, SCRATCH)}/ (disk, no tree deleted until every time is taken), interleaved, median of ${runs} runs, ${os.cpus().length} x ${os.cpus()[0].model.trim()}, node ${process.version}`);
  console.log('');
  const range = (m: Measured) => `${m.range[0].toFixed(0)}–${m.range[1].toFixed(0)}`;
  console.log('| N | files | library ms | baseline ms | floor ms | library / baseline | library / floor | peak memory: library | baseline | floor |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.n} | ${r.files} | ${r.library.ms.toFixed(0)} (${range(r.library)}) | ${r.baseline.ms.toFixed(0)} (${range(r.baseline)}) | ${r.floor.ms.toFixed(0)} (${range(r.floor)}) | ${r.baseline.pairedRatio.toFixed(2)} | ${r.floor.pairedRatio.toFixed(2)} | ${r.library.mem.toFixed(0)} MiB | ${r.baseline.mem.toFixed(0)} MiB | ${r.floor.mem.toFixed(0)} MiB |`);
  }
  console.log('');
  console.log('Times: median (fastest–slowest) in ms. Ratios: the median over runs of the library\'s time over the other side\'s in the same run.');
  console.log('');
  console.log('Where the library\'s time goes, from the same runs: writer = the floor\'s files through the library\'s writer (staging folder, background thread, atomic swap); unrendered = the library\'s declaration and resolution (every check) and then the writer with the floor\'s files, i.e. the library with a renderer that costs nothing.');
  console.log('');
  console.log('| N | floor ms | writer ms | unrendered ms | library ms | writer / floor | unrendered / floor | library / floor |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.n} | ${r.floor.ms.toFixed(0)} | ${r.writer.ms.toFixed(0)} | ${r.unrendered.ms.toFixed(0)} | ${r.library.ms.toFixed(0)} | ${r.writer.overFloor.toFixed(2)} | ${r.unrendered.overFloor.toFixed(2)} | ${r.library.overFloor.toFixed(2)} |`);
  }
  console.log('');
  const checks: Array<[string, boolean]> = [];
  const differences = rows.filter((r) => r.difference);
  checks.push([`the ${SIDES.length} trees are byte for byte equal at every N${differences.length ? ` (${differences.map((r) => `N=${r.n}: ${r.difference}`).join('; ')})` : ''}`, differences.length === 0]);
  const at = (n: number) => rows.find((r) => r.n === n);
  const k = at(1000);
  if (k) {
    checks.push([`library <= 0.5x the same-object cdk8s-plus baseline at N=1000 (${k.baseline.pairedRatio.toFixed(2)})`, k.baseline.pairedRatio <= 0.5]);
    // a guard rail, not a floor to reach: the library's checks and atomic writer cost more than creating the files
    checks.push([`library <= 4x the string-template floor at N=1000 (${k.floor.pairedRatio.toFixed(2)}; the library without rendering: ${k.unrendered.overFloor.toFixed(2)})`, k.floor.pairedRatio <= 4]);
  }
  const t = at(10000);
  if (k && t) checks.push([`t(10000) / t(1000) <= 11 (${(t.library.ms / k.library.ms).toFixed(1)})`, t.library.ms / k.library.ms <= 11]);
  if (t) checks.push([`peak memory at N=10000 < 512 MiB (${t.library.mem.toFixed(0)} MiB)`, t.library.mem < 512]);
  const small = Math.min(100, Math.max(...sizes));
  checks.push([`a second synth with no change rewrites no file (N=${small})`, secondSynthRewritesNothing(small)]);

  if (!process.argv.includes('--no-cli')) {
    const one = oneDeploymentApp();
    // a whole CLI run is mostly the CLI's own start-up, and moves by several percent from run to run: more pairs
    const cliRuns = Math.max(runs, 11);
    const cli = timeCliPair(ROOT, one, cliRuns);
    fs.rmSync(one, { recursive: true, force: true });
    console.log(`cdk8s synth (CLI), paired interleaved runs, median of ${cliRuns}: this repository ${cli.a.toFixed(0)} ms, one-Deployment app (plain JavaScript) ${cli.b.toFixed(0)} ms, ratio ${cli.ratio.toFixed(2)} (median over pairs)`);
    checks.push([`cdk8s synth <= 1.10x a precompiled one-Deployment app (${cli.ratio.toFixed(2)})`, cli.ratio <= 1.1]);
  }
  console.log('');
  for (const [what, ok] of checks) console.log(`${ok ? 'met    ' : 'MISSED '} ${what}`);
  removeTrees(settled);
}

main();
