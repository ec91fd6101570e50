/*
 * npm run bench:images: ADR-007's promises measured. The stack's ML services are built in three designs side by side
 * (bench/images/designs.ts: the emitted shared bases, a monolith, self-contained images), CPU flavor, on the image
 * tests' engine and stand-in upstreams, whose pip installs Debian's packages so that layers have real sizes. For
 * each design: image and layer bytes, the stack's unique bytes, each service's own bytes and the share it shares, a
 * cold build, and warm rebuilds after (a) a code-only change, (b) a changed requirement, (c) one more service.
 * A benchmark, not a test: it prints one table and writes .bench/images.json; nothing is asserted.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildStack } from '../apps/stack';
import { Engine, ROOT } from '../scripts/images/engine';
import { buildStandIns } from '../scripts/images/stand-ins';
import { Design, writeDesigns } from './images/designs';
import { Layers, layersOf, ownBytes, sharedShare, uniqueBytes } from './images/layers';

const WORK = path.join(ROOT, '.bench/images');
const CHANGED = 'sk-regression';
const ADDED = 'sk-regression-2';
const MB = 1e6;
const ADDED_PACKAGES = { requests: '2.32.3' };

/** Installed size of the Debian packages an image has and its base has not (what its own pip step added), in bytes. */
function addedPackageBytes(engine: Engine, image: string, base: string): number {
  const installed = (ref: string) => new Map(engine.must(['run', '--rm', '--entrypoint', 'dpkg-query', ref, '-W', '-f', '${Package} ${Installed-Size}\\n'])
    .trim().split('\n').map((l) => l.split(' ')).map(([p, kib]) => [p, Number(kib) * 1024] as const));
  const below = installed(base);
  return [...installed(image)].filter(([p]) => !below.has(p)).reduce((n, [, b]) => n + b, 0);
}

/** Bytes of Python bytecode (.pyc) an image has beyond its base: Debian compiles modules when it installs them, as pip does. */
function bytecodeBytes(engine: Engine, image: string, base: string): number {
  const pyc = (ref: string) => Number(engine.must(['run', '--rm', '--entrypoint', 'sh', ref, '-c',
    "find / -xdev -name '*.pyc' -printf '%s\\n' 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'"]).trim());
  return pyc(image) - pyc(base);
}

/** Bytes of the files a service copies into its image (its `app` folder, as the emitted .dockerignore leaves it). */
function sourceBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === '__pycache__' || e.name.endsWith('.pyc')) continue;
    n += e.isDirectory() ? sourceBytes(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).size;
  }
  return n;
}

interface Figures {
  design: string;
  images: Record<string, { bytes: number; layers: Array<{ digest: string; bytes: number }> }>;
  uniqueBytes: number;
  /** The same with one more ML service on sk-regression's base, after rebuild (c). */
  uniqueBytesWithAdded: number;
  services: Record<string, { ownBytes?: number; sharedShare: number; addedPackageBytes?: number; bytecodeBytes?: number; sourceBytes: number }>;
  coldSeconds: number;
  warm: { codeSeconds: number; codeReinstalled: boolean; requirementSeconds: number; addedSeconds: number };
}

function copyTree(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true, filter: (src) => !/(__pycache__|\.pytest_cache|\.pyc$)/.test(src) });
}

function bake(engine: Engine, d: Design, targets: string[]): { seconds: number; output: string } {
  const started = process.hrtime.bigint();
  const r = engine.docker(['buildx', 'bake', '-f', d.bake, '--load', '--progress', 'plain', ...targets], { cwd: WORK, timeoutMs: 90 * 60_000 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`${d.name}: bake ${targets.join(' ')} failed:\n${r.stderr.slice(-4000)}`);
  return { seconds, output: r.stderr };
}

/** Whether the build re-ran a package install: a `RUN pip install` step that is not CACHED. */
function reinstalled(output: string): boolean {
  const steps = new Map<string, string[]>();
  for (const line of output.split('\n')) {
    const m = /^#(\d+) (.*)$/.exec(line);
    if (m) steps.set(m[1], [...(steps.get(m[1]) ?? []), m[2]]);
  }
  return [...steps.values()].some((lines) => lines.some((l) => /RUN pip install/.test(l)) && !lines.includes('CACHED'));
}

async function measure(engine: Engine, d: Design, stack: ReturnType<ReturnType<typeof buildStack>['_resolve']>): Promise<Figures> {
  const images = [...new Set([...Object.values(d.services), ...Object.values(d.bases).filter((b): b is string => !!b)])];
  // cold: none of this design's images, and no build cache; the stand-in upstreams stay, as pulled bases would
  engine.docker(['image', 'rm', '-f', ...images]);
  engine.must(['builder', 'prune', '-af']);
  const cold = bake(engine, d, d.targets);
  const layers: Layers = await layersOf(engine, images);
  const svcs = Object.keys(d.services).filter((s) => s !== ADDED);
  const figures: Figures = {
    design: d.name,
    images: Object.fromEntries(images.map((r) => [r, { bytes: uniqueBytes(layers, [r]), layers: layers.images[r].map((digest) => ({ digest, bytes: layers.sizes[digest] })) }])),
    uniqueBytes: uniqueBytes(layers, images),
    uniqueBytesWithAdded: 0,
    services: Object.fromEntries(svcs.map((s) => [s, {
      ownBytes: d.bases[s] ? ownBytes(layers, d.services[s], d.bases[s]) : undefined,
      sharedShare: sharedShare(layers, d.services[s], svcs.map((o) => d.services[o])),
      addedPackageBytes: d.bases[s] ? addedPackageBytes(engine, d.services[s], d.bases[s]!) : undefined,
      bytecodeBytes: d.bases[s] ? bytecodeBytes(engine, d.services[s], d.bases[s]!) : undefined,
      sourceBytes: sourceBytes(path.join(WORK, 'services', s, 'app')),
    }])),
    coldSeconds: cold.seconds,
    warm: { codeSeconds: 0, codeReinstalled: false, requirementSeconds: 0, addedSeconds: 0 },
  };
  // (a) a code-only change in sk-regression
  const code = path.join(WORK, 'services', CHANGED, 'app/__init__.py');
  const before = fs.readFileSync(code, 'utf8');
  fs.writeFileSync(code, `${before}# a code-only change, ${Date.now()}\n`);
  const a = bake(engine, d, [d.serviceTarget[CHANGED]]);
  fs.writeFileSync(code, before);
  figures.warm.codeSeconds = a.seconds;
  figures.warm.codeReinstalled = reinstalled(a.output);
  // (b) a changed extra requirement
  const s = stack.serviceImages.find((x) => x.name === CHANGED)!;
  const pkgs = { ...s.pipPackages, 'prometheus-client': '0.21.1' };
  const [b] = writeDesigns(WORK, stack, { requirements: { service: CHANGED, packages: pkgs } }).filter((x) => x.name === d.name);
  figures.warm.requirementSeconds = bake(engine, b, [b.serviceTarget[CHANGED]]).seconds;
  // back to the declaration as it was (cached), so that (c) is measured beside the images the cold build made
  bake(engine, writeDesigns(WORK, stack).find((x) => x.name === d.name)!, [d.serviceTarget[CHANGED]]);
  // (c) one more ML service on the same base
  copyTree(path.join(WORK, 'services', CHANGED), path.join(WORK, 'services', ADDED));
  // a service of its own: its code, and an extra requirement of its own
  const [c] = writeDesigns(WORK, stack, { added: { like: CHANGED, name: ADDED, context: `services/${ADDED}`, packages: ADDED_PACKAGES } }).filter((x) => x.name === d.name);
  figures.warm.addedSeconds = bake(engine, c, [c.serviceTarget[ADDED]]).seconds;
  const withAdded = [...new Set([...images, c.services[ADDED]])];
  figures.uniqueBytesWithAdded = uniqueBytes(await layersOf(engine, withAdded), withAdded);
  fs.rmSync(path.join(WORK, 'services', ADDED), { recursive: true, force: true });
  writeDesigns(WORK, stack);
  return figures;
}

function table(all: Figures[], stack: ReturnType<ReturnType<typeof buildStack>['_resolve']>): string {
  const mb = (n: number) => (n / MB).toFixed(1);
  const s = (n: number) => n.toFixed(1);
  const services = Object.keys(all[0].services);
  const row = (label: string, f: (x: Figures) => string) => `| ${label} | ${all.map(f).join(' | ')} |`;
  const self = all.find((x) => x.design === 'self-contained')!;
  const lines = [
    `| CPU flavor | ${all.map((x) => x.design).join(' | ')} |`,
    `|---|${all.map(() => '---:').join('|')}|`,
    row('stack\'s unique bytes (MB)', (x) => mb(x.uniqueBytes)),
    row('unique bytes / self-contained', (x) => (x.uniqueBytes / self.uniqueBytes).toFixed(2)),
    row(`the same with one more service on ${CHANGED}'s base (MB)`, (x) => mb(x.uniqueBytesWithAdded)),
    row('that / self-contained', (x) => (x.uniqueBytesWithAdded / self.uniqueBytesWithAdded).toFixed(2)),
    ...services.flatMap((svc) => [
      row(`${svc}: own bytes above its base (MB)`, (x) => (x.services[svc].ownBytes === undefined ? 'no base' : mb(x.services[svc].ownBytes!))),
      row(`${svc}: its source + the installed size of the packages its pip step added (MB)`, (x) => (x.services[svc].addedPackageBytes === undefined ? 'n/a' : mb(x.services[svc].sourceBytes + x.services[svc].addedPackageBytes!))),
      row(`${svc}: of its own bytes, bytecode compiled at install (MB)`, (x) => (x.services[svc].bytecodeBytes === undefined ? 'n/a' : mb(x.services[svc].bytecodeBytes!))),
      row(`${svc}: share in layers shared with the other services`, (x) => `${Math.round(x.services[svc].sharedShare * 100)}%`),
    ]),
    row('cold build of the graph (s)', (x) => s(x.coldSeconds)),
    row(`(a) code-only change in ${CHANGED} (s)`, (x) => `${s(x.warm.codeSeconds)} (${Math.round(x.warm.codeSeconds / x.coldSeconds * 100)}%)${x.warm.codeReinstalled ? ', packages reinstalled' : ''}`),
    row(`(b) a changed requirement of ${CHANGED} (s)`, (x) => s(x.warm.requirementSeconds)),
    row(`(c) one more ML service on the same base, with its own ${Object.keys(ADDED_PACKAGES).join(', ')} (s)`, (x) => `${s(x.warm.addedSeconds)} (${Math.round(x.warm.addedSeconds / x.coldSeconds * 100)}%)`),
  ];
  const nonMl = stack.base.concat(stack.variants).filter((w) => !w.ml).map((w) => w.service);
  return [
    `Image bench, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} x ${os.cpus()[0].model.trim()}, engine ${''}`,
    '',
    ...lines,
    '',
    'Bytes are uncompressed layer tars (docker save). Stand-in upstreams: Debian bookworm\'s python3 and its packages',
    '(python3-torch 1.13 CPU, python3-sklearn, ...) for what the Dockerfiles ask pip for, so sizes are of real packages but',
    'not of the PyPI wheels; the CUDA flavor is not measured (its stand-in has no CUDA, so its sizes would not be',
    'representative). Cold: no build cache and none of the design\'s images; the stand-in upstreams present, as pulled.',
    `Not built here, so not inspected: ${[...new Set(nonMl)].filter((n) => ['backend', 'tiling'].includes(n.replace(/-(cpu|gpu|dev)$/, ''))).join(', ')} (registry images of the team's own; the graph never builds them on an ML base).`,
  ].join('\n');
}

(async () => {
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });
  copyTree(path.join(ROOT, 'services'), path.join(WORK, 'services'));
  copyTree(path.join(ROOT, 'constraints'), path.join(WORK, 'constraints'));
  const app = buildStack({ rootDir: WORK });
  app.synth();
  const stack = app._resolve();
  const engine = await Engine.start();
  try {
    buildStandIns(engine, path.join(WORK, 'dist'), () => undefined);
    const designs = writeDesigns(WORK, stack);
    const all: Figures[] = [];
    for (const d of designs) {
      process.stderr.write(`${d.name}: cold build and rebuilds...\n`);
      all.push(await measure(engine, d, stack));
    }
    const text = table(all, stack).replace('engine ', `engine ${engine.must(['version', '--format', '{{.Server.Version}}']).trim()}`);
    fs.writeFileSync(path.join(ROOT, '.bench/images.json'), `${JSON.stringify(all, null, 2)}\n`);
    process.stdout.write(`${text}\n\nFigures: .bench/images.json\n`);
  } finally {
    // the designs and rebuilds leave tens of GB of images and build cache: keep only what the image tests rebuild
    // from (the stand-ins), so the engine's store does not fill the disk
    const ours = engine.must(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']).split('\n')
      .filter((r) => r && !r.startsWith('cdk8s-ml-stand-in/') && !/^(python|pytorch\/pytorch|postgres|minio\/minio):/.test(r));
    if (ours.length) engine.docker(['image', 'rm', '-f', ...ours]);
    engine.docker(['builder', 'prune', '-af']);
    await engine.stop();
  }
})().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
