import * as fs from 'fs';
import * as path from 'path';
import { MlApp, MlService, Service } from '../lib';
import { writeAtomically } from '../lib/synth/atomic-writer';
import { cdk8sSynth, cliProject, startSynth, strays } from './helpers/cli';
import { readTree, tempRoot } from './helpers/fixture';

// Every case runs the real `cdk8s synth` CLI on a project of its own, so each takes a second or two.
jest.setTimeout(60_000);

// A stack frame of the app or the library; the cdk8s CLI prints its own frames (cdk8s-cli, node:events) when the
// app exits non-zero, which the library cannot change.
const NO_TRACE = /^\s+at (?!.*(cdk8s-cli|\(node:)).*$/m;

describe('synth never deletes what it did not write (through the cdk8s CLI)', () => {
  test('a clean project: dist/ holds every target, the CLI folder holds only the pointer to it, the CLI prints the summary and nothing that reads as a failure', () => {
    const dir = cliProject();
    const r = cdk8sSynth(dir);
    expect(r).toMatchObject({ ok: true });
    const dist = readTree(path.join(dir, 'dist'));
    expect([...dist.keys()]).toEqual(expect.arrayContaining(['.cdk8s-ml-output', 'docker/docker-compose.base.yml', 'k8s/cpu/web.yaml', 'k8s/gpu/web.yaml']));
    // one file that tells the CLI (and a reader) where the output went: no second copy of the manifests
    expect(fs.readdirSync(path.join(dir, '.synth'))).toEqual(['cdk8s-ml-output.yaml']);
    expect(fs.readFileSync(path.join(dir, '.synth/cdk8s-ml-output.yaml'), 'utf8')).toBe(`# cdk8s-ml wrote its output to ${path.join(fs.realpathSync(dir), 'dist')}; this file only tells the cdk8s CLI so.\n`);
    expect(r.output).toMatch(/^cdk8s-ml: synthesized into .*\/dist\n {2}compose {5}profiles cpu, gpu, dev: \d+ file\(s\), \d+ written, 0 unchanged\n/m);
    expect(r.output).not.toMatch(/No manifests|Error|at .*\.js:\d+/);
    expect(fs.statSync(path.join(dir, 'dist')).mode & 0o777).toBe(0o777 & ~process.umask());
    expect(strays(dir)).toEqual([]);
  });

  test.each([
    ['the project root', "'./'", /outdir '\.\/' is invalid: give a folder inside rootDir other than rootDir itself/],
    ['the project root, spelled "."', "'.'", /outdir '\.' is invalid/],
    ['a parent of the project', "'..'", /outdir '\.\.' is invalid/],
    ['.git', "'.git'", /inside '\.git'/],
    ['a folder inside .git', "'.git/out'", /inside '\.git'/],
    ['a folder holding a build context', "'services'", /holds services\/svc|not written by cdk8s-ml/],
    ['a folder of notes', "'notes'", /not written by cdk8s-ml/],
  ])('outdir %s is refused, with the problem and no stack trace, and nothing is touched', (_, outdir, message) => {
    const dir = cliProject({ appProps: `{ outdir: ${outdir} }`, extra: "new (require('../../../../lib').MlService as any)(app, 'svc', { build: 'services/svc', command: ['x'] });".replace("'../../../../lib'", JSON.stringify(path.join(__dirname, '../lib'))) });
    fs.mkdirSync(path.join(dir, '.git'));
    fs.writeFileSync(path.join(dir, '.git/HEAD'), 'ref: refs/heads/main\n');
    fs.mkdirSync(path.join(dir, 'notes'));
    fs.writeFileSync(path.join(dir, 'notes/todo.md'), 'keep me\n');
    fs.writeFileSync(path.join(dir, 'services/svc/app/main.py'), 'print(1)\n');
    const before = readTree(dir);
    const r = cdk8sSynth(dir);
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(message);
    expect(r.output).toContain('nothing was written');
    expect(r.output).not.toMatch(NO_TRACE);
    const after = readTree(dir);
    after.delete('.synth');
    expect(after).toEqual(before);
    expect(strays(dir)).toEqual([]);
  });

  test.each([["'dist/'"], ["'./dist'"], ["'dist//'"]])('outdir %s is the same folder as dist: every path in the output agrees', (outdir) => {
    const dir = cliProject({ appProps: `{ outdir: ${outdir} }` });
    expect(cdk8sSynth(dir).ok).toBe(true);
    expect(fs.existsSync(path.join(dir, 'dist/k8s/cpu/web.yaml'))).toBe(true);
    expect(fs.readdirSync(dir).filter((n) => n !== 'dist' && /dist|ist|ocker/.test(n))).toEqual([]);
  });

  test('a symlinked output folder is kept as it is and the synth stops cleanly', () => {
    const dir = cliProject();
    const real = tempRoot();
    fs.writeFileSync(path.join(real, 'mine.txt'), 'mine\n');
    fs.symlinkSync(real, path.join(dir, 'dist'));
    const r = cdk8sSynth(dir);
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/symbolic link/);
    expect(fs.lstatSync(path.join(dir, 'dist')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(real, 'mine.txt'), 'utf8')).toBe('mine\n');
  });

  test('a read-only output folder is kept as it is and the synth stops cleanly', () => {
    const dir = cliProject();
    expect(cdk8sSynth(dir).ok).toBe(true);
    const before = readTree(path.join(dir, 'dist'));
    fs.chmodSync(path.join(dir, 'dist'), 0o555);
    try {
      fs.writeFileSync(path.join(dir, 'main.ts'), fs.readFileSync(path.join(dir, 'main.ts'), 'utf8').replace('nginx:1.27', 'nginx:1.28'));
      const r = cdk8sSynth(dir);
      expect(r.ok).toBe(false);
      expect(r.output).toMatch(/read-only/);
      expect(readTree(path.join(dir, 'dist'))).toEqual(before);
    } finally {
      fs.chmodSync(path.join(dir, 'dist'), 0o755);
    }
  });

  test('with no output: in cdk8s.yaml (the CLI uses dist/) no target is lost', () => {
    const dir = cliProject({ output: null });
    expect(cdk8sSynth(dir).ok).toBe(true);
    const files = [...readTree(path.join(dir, 'dist')).keys()];
    expect(files).toEqual(expect.arrayContaining(['docker/docker-compose.base.yml', 'docker/docker-compose.ml.yml', 'k8s/cpu/web.yaml', 'docker/images/ml-base-cpu/Dockerfile']));
    expect(cdk8sSynth(dir).ok).toBe(true);
  });

  test('an app that throws leaves dist/ exactly as it was', () => {
    const dir = cliProject();
    expect(cdk8sSynth(dir).ok).toBe(true);
    const before = readTree(path.join(dir, 'dist'));
    fs.writeFileSync(path.join(dir, 'main.ts'), fs.readFileSync(path.join(dir, 'main.ts'), 'utf8').replace('return app;', "throw new Error('boom in the app');"));
    const r = cdk8sSynth(dir);
    expect(r.ok).toBe(false);
    expect(r.output).toContain('boom in the app');
    expect(readTree(path.join(dir, 'dist'))).toEqual(before);
  });

  test('a second synth with no change rewrites no file (mtimes and inodes unchanged)', () => {
    const dir = cliProject({ services: 3 });
    expect(cdk8sSynth(dir).ok).toBe(true);
    const stamp = () => [...readTree(path.join(dir, 'dist')).keys()].map((f) => {
      const s = fs.statSync(path.join(dir, 'dist', f));
      return `${f} ${s.mtimeMs} ${s.ino}`;
    });
    const before = stamp();
    expect(cdk8sSynth(dir).ok).toBe(true);
    expect(stamp()).toEqual(before);
  });
});

describe('synth is atomic at the edges', () => {
  test('a write failing half-way leaves dist/ as it was and no staging folder behind', () => {
    const root = tempRoot();
    const app = new MlApp({ rootDir: root });
    new Service(app, 'web', { image: 'nginx:1.27' });
    app.synth();
    const before = readTree(path.join(root, 'dist'));
    // the second file cannot be written: its parent is the first file
    const files = new Map([['k8s/cpu/web.yaml', 'x'], ['k8s/cpu/web.yaml/child', 'y']]);
    expect(() => writeAtomically(path.join(root, 'dist'), files)).toThrow(/ENOTDIR|EEXIST/);
    expect(readTree(path.join(root, 'dist'))).toEqual(before);
    expect(fs.readdirSync(root).sort()).toEqual(['dist', 'services']);
  });

  test('a file is written only inside the folder: a path that leaves it is refused and nothing changes; one that stays is normalized', () => {
    const root = tempRoot();
    for (const bad of ['../escape.txt', 'k8s/../../escape.txt', '/tmp/escape.txt', '..', '']) {
      expect(() => writeAtomically(path.join(root, 'dist'), new Map([['ok.txt', 'x'], [bad, 'y']]))).toThrow(`refusing to write outside ${path.join(root, 'dist')}: ${bad}`);
    }
    expect(fs.readdirSync(root).sort()).toEqual(['services']);
    // paths with '.' and '..' segments that stay inside, and names made of dots, land where path.join puts them
    expect(writeAtomically(path.join(root, 'dist'), new Map([['a/../b.txt', 'b'], ['./c/./d.txt', 'd'], ['.../e..', 'e'], ['f/g.txt', 'g']]))).toBe(true);
    expect(readTree(path.join(root, 'dist'))).toEqual(new Map([['.../e..', 'e'], ['b.txt', 'b'], ['c/d.txt', 'd'], ['f/g.txt', 'g']]));
  });

  test('past the first files, writes run on a background thread: a large synth writes exactly its files, and a write failing there leaves dist/ as it was', () => {
    const root = tempRoot();
    const app = new MlApp({ rootDir: root });
    for (let i = 0; i < 80; i++) new MlService(app, `svc-${i}`, { build: 'services/svc', command: ['x'] });
    const files = app.synthFiles();
    expect(files.size).toBeGreaterThan(300);
    app.synth();
    const written = readTree(path.join(root, 'dist'));
    expect([...written.keys()]).toEqual([...files.keys()]);
    for (const [f, content] of files) expect({ f, same: written.get(f) === content }).toEqual({ f, same: true });
    // the folders made on the background thread have the mode an ordinary mkdir gives
    const folders = [...new Set([...written.keys()].map((f) => path.dirname(f)))];
    expect(folders).toEqual(expect.arrayContaining(['k8s/cpu', 'docker/images/svc-79']));
    expect(folders.map((d) => ({ d, mode: fs.statSync(path.join(root, 'dist', d)).mode & 0o777 })))
      .toEqual(folders.map((d) => ({ d, mode: 0o777 & ~process.umask() })));
    // with no estimate of the count, the first 200 files are made on the calling thread and the rest in the background
    const counted = Array.from({ length: 300 }, (_, i): [string, string] => [`k8s/f${i % 3}/f${i}.yaml`, `w${i}`]);
    expect(writeAtomically(path.join(root, 'counted'), (write) => counted.forEach(([f, c]) => write(f, c)))).toBe(true);
    expect(readTree(path.join(root, 'counted'))).toEqual(new Map([...counted].sort(([a], [b]) => (a < b ? -1 : 1))));
    fs.rmSync(path.join(root, 'counted'), { recursive: true });
    // 300 good files, then one whose parent is a file: it fails on a background thread, after rendering finished
    const failing = new Map([...Array.from({ length: 300 }, (_, i): [string, string] => [`k8s/cpu/f${i}.yaml`, `v${i}`]), ['k8s/cpu/f1.yaml/child', 'y']]);
    expect(() => writeAtomically(path.join(root, 'dist'), failing)).toThrow(/ENOTDIR|EEXIST/);
    expect(readTree(path.join(root, 'dist'))).toEqual(written);
    expect(fs.readdirSync(root).sort()).toEqual(['dist', 'services']);
  });

  test('a crash between the two renames is recovered by the next synth: the output is restored, then replaced', () => {
    const dir = cliProject();
    expect(cdk8sSynth(dir).ok).toBe(true);
    // the state a writer leaves when killed after moving dist aside and before moving the new tree in
    fs.renameSync(path.join(dir, 'dist'), path.join(dir, '.dist.old-abc123'));
    fs.mkdirSync(path.join(dir, '.dist.staging-def456/k8s'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.dist.staging-def456/k8s/half.yaml'), 'half');
    fs.writeFileSync(path.join(dir, 'main.ts'), fs.readFileSync(path.join(dir, 'main.ts'), 'utf8').replace('nginx:1.27', 'nginx:1.28'));
    expect(cdk8sSynth(dir).ok).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'dist/k8s/cpu/web.yaml'), 'utf8')).toContain('nginx:1.28');
    expect(strays(dir)).toEqual([]);
  });

  test('a synth killed (SIGKILL) while writing leaves the previous output or none, and the next synth completes with no stray folder', async () => {
    const dir = cliProject({ services: 400 });
    expect(cdk8sSynth(dir).ok).toBe(true);
    const complete = readTree(path.join(dir, 'dist'));
    fs.writeFileSync(path.join(dir, 'main.ts'), fs.readFileSync(path.join(dir, 'main.ts'), 'utf8').replace('nginx:1.27', 'nginx:1.28'));
    const child = startSynth(dir);
    // kill the whole process tree the moment a staging folder appears (bounded: at most 30 s of polling)
    const deadline = Date.now() + 30_000;
    let killedWhileWriting = false;
    while (Date.now() < deadline) {
      if (fs.readdirSync(dir).some((n) => n.startsWith('.dist.staging-'))) {
        process.kill(-child.pid!, 'SIGKILL');
        killedWhileWriting = true;
        break;
      }
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    await child.done;
    expect(killedWhileWriting).toBe(true);
    // either the old tree (complete) or, between the renames, none: never a half-written dist/
    const now = readTree(path.join(dir, 'dist'));
    if (now.size) expect([...now.keys()]).toEqual([...complete.keys()]);
    expect(cdk8sSynth(dir).ok).toBe(true);
    const after = readTree(path.join(dir, 'dist'));
    expect([...after.keys()]).toEqual([...complete.keys()]);
    expect(after.get('k8s/cpu/web.yaml')).toContain('nginx:1.28');
    expect(strays(dir)).toEqual([]);
  });

  test('two synths at once both succeed (one waits for the other) and leave one complete output', async () => {
    const dir = cliProject({ services: 50 });
    const [a, b] = [startSynth(dir), startSynth(dir)];
    const results = await Promise.all([a.done, b.done]);
    expect(results.map((r) => ({ code: r.code, raw: /ENOTEMPTY|EEXIST/.test(r.output) }))).toEqual([{ code: 0, raw: false }, { code: 0, raw: false }]);
    const expected = new MlApp({ rootDir: tempRoot() });
    for (let i = 0; i < 50; i++) new Service(expected, i === 0 ? 'web' : `web-${i}`, { image: 'nginx:1.27', ports: [{ port: 80 }] });
    expect([...readTree(path.join(dir, 'dist')).keys()]).toEqual([...expected.synthFiles().keys()]);
    expect(strays(dir)).toEqual([]);
  });

  test('a lock being created (still empty) is waited for, not taken over; one left empty by a writer that died is taken over', () => {
    const root = tempRoot();
    const lockFile = path.join(root, '.dist.lock');
    fs.writeFileSync(lockFile, '');
    expect(() => writeAtomically(path.join(root, 'dist'), new Map([['a', 'b']]), 300)).toThrow(/another synth \(process not yet known\) has been writing/);
    expect(fs.existsSync(path.join(root, 'dist'))).toBe(false);
    const old = new Date(Date.now() - 10_000);
    fs.utimesSync(lockFile, old, old);
    expect(writeAtomically(path.join(root, 'dist'), new Map([['a', 'b']]), 300)).toBe(true);
    expect(readTree(path.join(root, 'dist'))).toEqual(new Map([['a', 'b']]));
    expect(strays(root)).toEqual([]);
  });

  test('the pid file of a writer that died before it took the lock is removed; a waiting writer\'s stays', () => {
    const root = tempRoot();
    fs.writeFileSync(path.join(root, '.dist.lock.999999999'), '999999999');
    fs.writeFileSync(path.join(root, `.dist.lock.${process.ppid}`), String(process.ppid));
    expect(writeAtomically(path.join(root, 'dist'), new Map([['a', 'b']]))).toBe(true);
    expect(fs.readdirSync(root).sort()).toEqual([`.dist.lock.${process.ppid}`, 'dist', 'services']);
  });

  test('a lock held by a live process makes the writer wait, then fail with a clear message', () => {
    const root = tempRoot();
    fs.writeFileSync(path.join(root, '.dist.lock'), String(process.ppid));
    expect(() => writeAtomically(path.join(root, 'dist'), new Map([['a', 'b']]), 200)).toThrow(/another synth \(process \d+\) has been writing/);
    fs.writeFileSync(path.join(root, '.dist.lock'), '999999999');
    expect(writeAtomically(path.join(root, 'dist'), new Map([['a', 'b']]), 200)).toBe(true);
    expect(strays(root)).toEqual([]);
  });
});
