import * as fs from 'fs';
import * as path from 'path';
import { DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { buildStack } from '../apps/stack';
import {
  BaseImage, ImageFlavor, TORCH_RELEASES, DeclarationError, MlApp,
} from '../lib';
import { checkServiceDockerfile } from '../lib/resolve/dockerfile-contract';
import { parseYaml } from './helpers/validate';
import { mlService, newApp, tempRoot } from './helpers/fixture';

const ROOT = path.join(__dirname, '..');
const files = buildStack({ rootDir: ROOT }).synthFiles();
const dockerfiles = [...files.keys()].filter((f) => f.endsWith('/Dockerfile'));

describe('Dockerfiles', () => {
  test('every base image version and the two ML service images are written', () => {
    expect([...dockerfiles].sort()).toEqual(['ml-base-cpu', 'ml-base-cpu-2-5', 'ml-base-cuda', 'ml-base-cuda-2-5', 'sk-regression', 'tile-classifier'].map((d) => `docker/images/${d}/Dockerfile`).sort());
  });

  test.each(dockerfiles)('%s parses and lints clean (dockerfile-utils)', (f) => {
    expect(validate(files.get(f)!)).toEqual([]);
    const instructions = DockerfileParser.parse(files.get(f)!).getInstructions().map((i) => i.getKeyword());
    expect(instructions).toContain('FROM');
    expect(instructions[instructions.length - 1] === 'USER' || instructions.includes('CMD')).toBe(true);
  });

  test('the CPU base starts from python-slim and installs torch from the CPU wheel index', () => {
    const df = DockerfileParser.parse(files.get('docker/images/ml-base-cpu/Dockerfile')!);
    expect(df.getFROMs().map((f) => f.getImage())).toEqual(['python:3.10-slim-bookworm']);
    const runs = df.getInstructions().filter((i) => i.getKeyword() === 'RUN').map((i) => i.getRawArgumentsContent()!);
    expect(runs).toContainEqual(expect.stringContaining('--index-url https://download.pytorch.org/whl/cpu torch==2.4.1 torchvision==0.19.1'));
    for (const pkg of ['numpy==', 'pillow==', 'opencv-python-headless==', 'joblib==', 'minio==', 'fastapi==', 'uvicorn==']) {
      expect(runs.some((r) => r.includes(pkg))).toBe(true);
    }
  });

  test('the CUDA base starts from the pytorch/pytorch runtime tag with the right cuDNN', () => {
    const df = DockerfileParser.parse(files.get('docker/images/ml-base-cuda/Dockerfile')!);
    expect(df.getFROMs().map((f) => f.getImage())).toEqual(['pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime']);
  });

  test.each(['ml-base-cpu', 'ml-base-cuda'])('%s runs as a fixed non-root UID, keeps no pip cache and pins every package', (name) => {
    const text = files.get(`docker/images/${name}/Dockerfile`)!;
    const df = DockerfileParser.parse(text);
    const users = df.getInstructions().filter((i) => i.getKeyword() === 'USER');
    expect(users[users.length - 1].getRawArgumentsContent()).toBe('10001:10001');
    expect(text).toContain('PIP_NO_CACHE_DIR=1');
    for (const run of df.getInstructions().filter((i) => i.getKeyword() === 'RUN' && /pip install/.test(i.getRawArgumentsContent()!))) {
      const args = run.getRawArgumentsContent()!.split(/\s+/);
      expect(args).toContain('--no-cache-dir');
      const pkgs = args.slice(args.indexOf('--no-cache-dir') + 1).filter((a) => !a.startsWith('-') && !a.startsWith('http'));
      for (const p of pkgs) expect(p).toMatch(/^[A-Za-z0-9._-]+==[A-Za-z0-9._-]+$/);
    }
  });

  test('the service Dockerfile keeps the BASE_IMAGE contract and adds only its own layer', () => {
    const text = files.get('docker/images/sk-regression/Dockerfile')!;
    expect(checkServiceDockerfile(text)).toBeUndefined();
    const df = DockerfileParser.parse(text);
    const [arg] = df.getInstructions();
    expect(arg.getKeyword()).toBe('ARG');
    expect(arg.getRawArgumentsContent()).toBe('BASE_IMAGE=ghcr.io/acme-geo/ml-base-cpu:2.4-py3.10');
    expect(df.getFROMs().map((f) => f.getRawArgumentsContent())).toEqual(['${BASE_IMAGE} AS runtime', 'runtime AS dev']);
    const runs = df.getInstructions().filter((i) => i.getKeyword() === 'RUN').map((i) => i.getRawArgumentsContent());
    expect(runs[0]).toBe('pip install --no-cache-dir scikit-learn==1.5.2 prometheus-client==0.21.0');
    expect(runs.join(' ')).not.toMatch(/torch|numpy/);
    expect(df.getInstructions().filter((i) => i.getKeyword() === 'COPY').map((i) => i.getRawArgumentsContent())).toEqual(['["app","/app/app"]']);
  });

  test('a service that brings a Dockerfile keeping the contract uses it, and none is synthesized for it', () => {
    const app = newApp({}, 'own');
    fs.writeFileSync(path.join(app.rootDir, 'services/own/Dockerfile'), '# syntax=docker/dockerfile:1\nARG BASE_IMAGE=ml-base-cpu:2.4-py3.10\nFROM ${BASE_IMAGE}\nCOPY app /app/app\n');
    mlService(app, 'own', { dockerfile: 'Dockerfile' });
    const out = app.synthFiles();
    expect(out.has('docker/images/own/Dockerfile')).toBe(false);
    const bake = JSON.parse(out.get('docker/docker-bake.json')!);
    expect(bake.target['own-cpu']).toMatchObject({ context: 'services/own', dockerfile: 'Dockerfile' });
  });

  test.each([
    ['FROM python:3.10\n', /must begin with 'ARG BASE_IMAGE/],
    ['ARG BASE_IMAGE=x:1\nFROM python:3.10\n', /FROM \$\{BASE_IMAGE\}/],
    ['# c\nARG BASE_IMAGE=x:1\nFROM \\\n  ${BASE_IMAGE} AS runtime\n', undefined],
  ])('contract check of %j', (text, expected) => {
    const result = checkServiceDockerfile(text);
    if (expected) expect(result).toMatch(expected);
    else expect(result).toBeUndefined();
  });
});

describe('docker-bake.json', () => {
  const bake = JSON.parse(files.get('docker/docker-bake.json')!);

  test('has the shape buildx reads: groups of targets, targets with context, dockerfile and tags', () => {
    expect(Object.keys(bake).sort()).toEqual(['group', 'target']);
    expect(Object.keys(bake.group).sort()).toEqual(['cpu', 'default', 'dev', 'gpu', 'on-ml-base-cpu', 'on-ml-base-cpu-2-5', 'on-ml-base-cuda', 'on-ml-base-cuda-2-5']);
    for (const g of Object.values<any>(bake.group)) expect(Object.keys(g)).toEqual(['targets']);
    for (const [name, t] of Object.entries<any>(bake.target)) {
      expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(Object.keys(t).every((k) => ['context', 'dockerfile', 'target', 'args', 'contexts', 'tags', 'labels'].includes(k))).toBe(true);
      expect(typeof t.context).toBe('string');
      expect(t.tags.length).toBeGreaterThan(0);
    }
    expect(bake.group.default.targets.sort()).toEqual(Object.keys(bake.target).sort());
    expect(bake.group.cpu.targets).toEqual(['ml-base-cpu', 'ml-base-cpu-2-5', 'sk-regression-cpu', 'tile-classifier-cpu']);
    expect(bake.group.gpu.targets).toEqual(['ml-base-cuda', 'ml-base-cuda-2-5', 'sk-regression-cuda', 'tile-classifier-cuda']);
  });

  test('backend and tiling stay free of ML: no bake target or Compose build of theirs, no ML base under them, no ML variables', () => {
    // their images are the team's own registry images, not built here; what cdk8s-ml controls is that nothing of
    // the ML bases reaches them (ADR-007: "backend and tiling stay small and free of ML frameworks")
    const mlBases = new Set(Object.values<any>(bake.target).filter((t) => !t.contexts).flatMap((t) => t.tags));
    const compose = { ...parseYaml(files.get('docker/docker-compose.base.yml')!).services, ...parseYaml(files.get('docker/docker-compose.ml.yml')!).services };
    for (const [name, s] of Object.entries<any>(compose).filter(([n]) => /^(backend|tiling)(-|$)/.test(n))) {
      expect({ name, build: s.build, mlBase: mlBases.has(s.image), torch: s.environment?.TORCH_HOME }).toEqual({ name, build: undefined, mlBase: false, torch: undefined });
    }
    expect(Object.keys(bake.target).filter((t) => /^(backend|tiling)/.test(t))).toEqual([]);
  });

  test("a build context's own .dockerignore is carried into the emitted one, before the paths that never go into an image", () => {
    const own = fs.readFileSync(path.join(ROOT, 'services/sk-regression/.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    const emitted = files.get('docker/images/sk-regression/Dockerfile.dockerignore')!.split('\n');
    // BuildKit reads the emitted file instead of the context's: without this its patterns would be lost
    expect(emitted.slice(1, 1 + own.length)).toEqual(own);
    // ours come last (the last matching pattern wins), so no `!` of the context's brings a secret back
    expect(emitted.indexOf('.secrets')).toBeGreaterThan(own.length);
    expect(files.get('docker/images/tile-classifier/Dockerfile.dockerignore')).not.toMatch(/own \.dockerignore/);
  });

  test('bake builds every image a Compose service builds, the dev profile\'s included, at the stage and base that service asks for', () => {
    const byTag = new Map<string, any>(Object.values<any>(bake.target).flatMap((t) => t.tags.map((tag: string) => [tag, t] as const)));
    const built = Object.entries<any>(parseYaml(files.get('docker/docker-compose.ml.yml')!).services).filter(([, s]) => s.build);
    expect(built.some(([, s]) => s.build.target === 'dev')).toBe(true);
    for (const [name, s] of built) {
      const t = byTag.get(s.image);
      expect({ name, image: s.image, built: t !== undefined }).toEqual({ name, image: s.image, built: true });
      expect({ name, target: t.target, base: t.args.BASE_IMAGE }).toEqual({ name, target: s.build.target, base: s.build.args.BASE_IMAGE });
    }
    for (const t of bake.group.dev.targets) expect(bake.target[t].target).toBe('dev');
  });

  test('every context names an existing target or path, and service targets take the base by its exact BASE_IMAGE', () => {
    for (const [name, t] of Object.entries<any>(bake.target)) {
      const context = path.join(ROOT, t.context);
      expect({ name, context: fs.existsSync(context) }).toEqual({ name, context: true });
      const dockerfile = path.join(context, t.dockerfile);
      expect({ name, dockerfile: files.has(path.relative(path.join(ROOT, 'dist'), dockerfile)) }).toEqual({ name, dockerfile: true });
      for (const [key, value] of Object.entries<string>(t.contexts ?? {})) {
        expect(key).toBe(t.args.BASE_IMAGE);
        const m = /^target:(.+)$/.exec(value);
        expect(m && bake.target[m[1]]).toBeTruthy();
        expect(bake.target[m![1]].tags).toContain(key);
      }
    }
    expect(bake.target['sk-regression-cuda'].args.BASE_IMAGE).toBe('ghcr.io/acme-geo/ml-base-cuda:2.4-cuda12.4');
    expect(bake.target['sk-regression-cuda'].tags).toEqual(['ghcr.io/acme-geo/sk-regression:0.1.0-2.4-cuda12.4']);
  });
});

describe('version matrix', () => {
  const supported = Object.entries(TORCH_RELEASES);

  test.each(supported.flatMap(([torch, r]) => r.cuda.map((cuda) => [torch, cuda])))('torch %s with CUDA %s is accepted', (torch, cuda) => {
    const app = new MlApp({ rootDir: tempRoot(), torch, cuda });
    const base = app.node.findAll().filter(BaseImage.isBaseImage).find((b) => b.flavor === ImageFlavor.CUDA)!;
    expect(base.tag).toBe(`${torch}-cuda${cuda}`);
    expect(base.upstream).toBe(`pytorch/pytorch:${TORCH_RELEASES[torch].torch}-cuda${cuda}-cudnn${Number(torch.split('.')[1]) >= 4 ? 9 : 8}-runtime`);
  });

  test.each(supported.flatMap(([torch, r]) => r.python.map((py) => [torch, py])))('torch %s with python %s is accepted', (torch, python) => {
    const app = new MlApp({ rootDir: tempRoot(), torch, python });
    const base = app.node.findAll().filter(BaseImage.isBaseImage).find((b) => b.flavor === ImageFlavor.CPU)!;
    expect(base.tag).toBe(`${torch}-py${python}`);
    expect(app.synthFiles().get('docker/images/ml-base-cpu/Dockerfile')).toContain(`FROM python:${python}-slim-bookworm`);
  });

  test.each([
    [{ torch: '2.3', cuda: '12.4' }, /torch '2.3' with cuda '12.4'.*supported are torch 2\.1 with cuda 11\.8\|12\.1;.*torch 2\.5 with cuda 11\.8\|12\.1\|12\.4/],
    [{ torch: '2.4', cuda: '12.6' }, /cuda '12.6'/],
    [{ torch: '1.13' }, /torch '1.13'/],
    [{ torch: '2.5', python: '3.8' }, /python '3.8'.*torch 2\.5 with python 3\.9/],
  ])('%j is rejected with the supported list', (props, message) => {
    expect(() => new MlApp({ rootDir: tempRoot(), ...props }).synthFiles()).toThrow(DeclarationError);
    expect(() => new MlApp({ rootDir: tempRoot(), ...props }).synthFiles()).toThrow(message);
  });
});
