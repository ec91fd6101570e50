/*
 * Paired, interleaved runs of two checkouts of this repository (say, the code as it is and the code without one
 * optimisation), on one machine in one sitting: how much one change moves the library's synth at N services and the
 * repository's own `cdk8s synth`. A measuring tool, not a test; it asserts nothing.
 *
 *   node --require tsx/cjs bench/paired.ts --a . --b ../variant [--sizes 1000,10000] [--pairs 9] [--cli-pairs 11]
 *
 * Each run is a child process of its checkout (bench/synth.bench.ts --child library), so each side runs its own code;
 * the order alternates every pair. Printed: each side's median and the median over pairs of b's time over a's.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

// Trees are removed only at the end: on ext4, files created soon after many deletions are slow (docs/performance.md).
const trees: string[] = [];

function synthOnce(dir: string, n: number): number {
  const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', path.join(dir, 'bench/synth.bench.ts'), '--child', 'library', '--n', String(n)], { cwd: dir, encoding: 'utf8' });
  const r = JSON.parse(out) as { ms: number; root: string };
  trees.push(r.root);
  return r.ms;
}

function cliOnce(dir: string): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(path.join(dir, 'node_modules/.bin/cdk8s'), ['synth', '--no-check-upgrade'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cdk8s synth failed in ${dir}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function paired(label: string, pairs: number, a: () => number, b: () => number): void {
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      as.push(a());
      bs.push(b());
    } else {
      bs.push(b());
      as.push(a());
    }
  }
  const ratio = median(as.map((x, i) => bs[i] / x));
  console.log(`${label}: a ${median(as).toFixed(0)} ms, b ${median(bs).toFixed(0)} ms, b / a ${ratio.toFixed(3)} (median over ${pairs} pairs)`);
}

function main(): void {
  const a = path.resolve(arg('a', '.'));
  const b = path.resolve(arg('b', '.'));
  const pairs = Number(arg('pairs', '9'));
  for (const n of arg('sizes', '1000,10000').split(',').map(Number)) {
    synthOnce(a, n);
    synthOnce(b, n);
    paired(`synth at N = ${n}`, n >= 10000 ? Math.max(3, Math.floor(pairs / 3)) : pairs, () => synthOnce(a, n), () => synthOnce(b, n));
  }
  const cliPairs = Number(arg('cli-pairs', '11'));
  if (cliPairs > 0) {
    cliOnce(a);
    cliOnce(b);
    paired('cdk8s synth of the stack', cliPairs, () => cliOnce(a), () => cliOnce(b));
  }
  for (const t of trees) fs.rmSync(t, { recursive: true, force: true });
}

main();
