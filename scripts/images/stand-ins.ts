import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { Engine, ROOT } from './engine';

/*
 * Builds the stand-in upstream images (test/images/stand-ins) into the test engine and tags them with the exact names
 * the emitted Dockerfiles and Compose files use, read from an output folder (default dist/), so those files build and
 * run unchanged with no registry. Each stand-in's Dockerfile says what it stands in for and what it does not do.
 * Everything it fetches (Debian's packages, three PyPI wheels, s3rver's npm packages) is fetched here, at install
 * time, and kept: in the engine's image store and build cache, and under .cache/images.
 */

const STAND_INS = path.join(ROOT, 'test/images/stand-ins');
const CACHE = path.join(ROOT, '.cache/images');
const DEBIAN = 'cdk8s-ml-stand-in/debian:bookworm';
const PYTHON = 'cdk8s-ml-stand-in/python:bookworm';
/** The PyPI wheels the python stand-in needs that Debian bookworm does not package. */
const WHEELS = ['minio==7.2.9', 'pycryptodome==3.21.0', 'watchfiles==0.24.0'];

/** An upstream image the output uses, and the stand-in that answers to its name. */
export interface Upstream {
  readonly ref: string;
  readonly standIn: 'python' | 'pytorch' | 'postgres' | 'minio' | undefined;
  /** pytorch only: the torch version its tag names. */
  readonly torch?: string;
}

/** The images an output folder builds on or runs without building: bake's base names and Compose's `image` without `build`. */
export function upstreamsOf(outdir: string): Upstream[] {
  const refs = new Set<string>();
  const bake = JSON.parse(fs.readFileSync(path.join(outdir, 'docker/docker-bake.json'), 'utf8'));
  const built = new Set(Object.values<any>(bake.target).flatMap((t) => t.tags));
  for (const t of Object.values<any>(bake.target)) {
    const base = t.labels?.['org.opencontainers.image.base.name'];
    if (base && !built.has(base)) refs.add(base);
  }
  for (const f of fs.readdirSync(path.join(outdir, 'docker')).filter((n) => /^docker-compose.*\.ya?ml$/.test(n))) {
    const doc = parse(fs.readFileSync(path.join(outdir, 'docker', f), 'utf8'));
    for (const s of Object.values<any>(doc.services ?? {})) if (s.image && !s.build) refs.add(s.image);
  }
  return [...refs].sort().map((ref) => {
    const torch = /^pytorch\/pytorch:(\d+\.\d+\.\d+)-/.exec(ref)?.[1];
    if (torch) return { ref, standIn: 'pytorch', torch };
    if (/^python:[^/]*$/.test(ref)) return { ref, standIn: 'python' };
    if (/^postgres:/.test(ref)) return { ref, standIn: 'postgres' };
    if (/^minio\/minio:/.test(ref)) return { ref, standIn: 'minio' };
    return { ref, standIn: undefined };
  });
}

/** Builds what is missing and tags every stand-in the output folder needs; returns the upstreams it covered. */
export function buildStandIns(engine: Engine, outdir: string, log: (line: string) => void): Upstream[] {
  if (!engine.hasImage(DEBIAN)) importDebian(engine, log);
  const build = (dir: string, tag: string, extra: string[] = []) =>
    engine.must(['buildx', 'build', '--load', '--progress', 'plain', '-t', tag, ...extra, path.join(STAND_INS, dir)], { timeoutMs: 60 * 60_000 });
  const ups = upstreamsOf(outdir);
  if (ups.some((u) => u.standIn === 'python' || u.standIn === 'pytorch')) {
    build('python', PYTHON, ['--build-context', `wheels=${wheels(log)}`]);
  }
  for (const u of ups) {
    if (u.standIn === 'python') engine.must(['tag', PYTHON, u.ref]);
    else if (u.standIn === 'pytorch') build('pytorch', u.ref, ['--build-arg', `TORCH_VERSION=${u.torch}`]);
    else if (u.standIn === 'postgres') build('postgres', u.ref);
    else if (u.standIn === 'minio') build('minio', u.ref, ['--build-context', `s3rver=${s3rver(log)}`]);
    log(u.standIn ? `stand-in ${u.standIn.padEnd(8)} tagged ${u.ref}` : `no stand-in  for      ${u.ref} (the tests do not start it)`);
  }
  return ups;
}

/** A Debian bookworm root file system (debootstrap, from Debian's mirror) imported as the stand-ins' base. */
function importDebian(engine: Engine, log: (line: string) => void): void {
  const rootfs = path.join(CACHE, 'rootfs');
  fs.rmSync(rootfs, { recursive: true, force: true });
  fs.mkdirSync(CACHE, { recursive: true });
  log('debootstrap --variant=minbase bookworm (about 30 s)');
  execFileSync('debootstrap', ['--variant=minbase', 'bookworm', rootfs, 'http://deb.debian.org/debian'], { stdio: 'ignore' });
  const tar = execFileSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 2 * 1024 ** 3 });
  engine.must(['import', '-', DEBIAN], { input: tar });
  fs.rmSync(rootfs, { recursive: true, force: true });
}

function wheels(log: (line: string) => void): string {
  const dir = path.join(CACHE, 'wheels');
  const names = WHEELS.map((w) => w.split('==')[0]);
  const have = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  if (!names.every((n) => have.some((f) => f.startsWith(`${n}-`)))) {
    log(`pip download ${WHEELS.join(' ')}`);
    execFileSync('python3', ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--python-version', '3.11',
      '--platform', 'manylinux2014_x86_64', '-d', dir, ...WHEELS], { stdio: 'ignore' });
  }
  return dir;
}

/** s3rver with its dependencies, at the version of the repository's lock file. */
function s3rver(log: (line: string) => void): string {
  const dir = path.join(CACHE, 's3rver');
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/s3rver/package.json'), 'utf8')).version;
  const pkg = JSON.stringify({ name: 'minio-stand-in', private: true, dependencies: { s3rver: version } });
  if (!fs.existsSync(path.join(dir, 'node_modules/s3rver')) || fs.readFileSync(path.join(dir, 'package.json'), 'utf8') !== pkg) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), pkg);
    log(`npm install s3rver@${version}`);
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', '--loglevel=error'], { cwd: dir, stdio: 'ignore' });
  }
  return dir;
}

if (require.main === module) {
  (async () => {
    const started = Date.now();
    const engine = await Engine.start();
    try {
      buildStandIns(engine, path.join(ROOT, process.argv[2] ?? 'dist'), (l) => console.log(l));
    } finally {
      await engine.stop();
    }
    console.log(`stand-ins ready in ${Math.round((Date.now() - started) / 1000)} s`);
  })().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
