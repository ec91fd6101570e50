import { execFileSync } from 'child_process';
import * as path from 'path';
import { Duration as Cdk8sDuration, Size as Cdk8sSize } from 'cdk8s';
import { Duration, Size } from '../lib';

const ROOT = path.join(__dirname, '..');
jest.setTimeout(60_000);

// An app pays for every module it requires (the CLI runs it in a process of its own). An MlApp uses two value classes
// of cdk8s and none of its App, Chart or YAML machinery, and builds Kubernetes objects without cdk8s-plus-28.
test('a synth loads only what it uses: not cdk8s\'s index, cdk8s-plus-28, the yaml package or the validators', () => {
  const program = `
    const fs = require('fs'); const os = require('os'); const path = require('path');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-load-'));
    fs.mkdirSync(path.join(root, 'services/svc/app'), { recursive: true });
    const { Duration, GpuRequest, MlApp, MlService, Size } = require(${JSON.stringify(path.join(ROOT, 'lib'))});
    const app = new MlApp({ rootDir: root, name: 'load' });
    new MlService(app, 'svc', {
      build: 'services/svc', command: ['uvicorn', 'app.main:app'], port: 8000, gpu: GpuRequest.whole(1),
      memoryLimit: Size.gibibytes(6), drain: { longestRequest: Duration.seconds(30) },
    });
    app.synth();
    const written = fs.readdirSync(path.join(root, 'dist/k8s/gpu'));
    fs.rmSync(root, { recursive: true });
    process.stdout.write(JSON.stringify({ written, loaded: Object.keys(require.cache) }));
  `;
  const { written, loaded } = JSON.parse(execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', program], { cwd: ROOT, encoding: 'utf8' })) as { written: string[]; loaded: string[] };
  // it did synthesize
  expect(written.sort()).toEqual(['kustomization.yaml', 'svc.yaml']);
  const inPackage = (name: string) => loaded.filter((f) => f.includes(`${path.sep}node_modules${path.sep}${name}${path.sep}`)).map((f) => path.relative(path.join(ROOT, 'node_modules', name), f));
  expect(inPackage('cdk8s').sort()).toEqual(['lib/duration.js', 'lib/size.js']);
  for (const unused of ['cdk8s-plus-28', 'yaml', 'ajv', 'kubernetes-models']) expect({ unused, files: inPackage(unused) }).toEqual({ unused, files: [] });
});

test('Duration and Size are cdk8s\'s own classes: values made with either import are the same', () => {
  expect(Duration).toBe(Cdk8sDuration);
  expect(Size).toBe(Cdk8sSize);
  expect(Duration.minutes(2)).toBeInstanceOf(Cdk8sDuration);
  expect(Cdk8sSize.gibibytes(1)).toBeInstanceOf(Size);
});
