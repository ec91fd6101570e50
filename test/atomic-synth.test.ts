import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { MlApp, Service } from '../lib';
import { writeAtomically } from '../lib/synth/atomic-writer';
import { readTree, tempRoot } from './helpers/fixture';

const ROOT = path.join(__dirname, '..');
const CDK8S = path.join(ROOT, 'node_modules/.bin/cdk8s');

/** A project folder whose cdk8s app declares one service, or throws after declaring it when `fail` is set. */
function project(fail: boolean): string {
  const dir = tempRoot();
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), `app: node --require ${require.resolve('tsx/cjs')} main.ts\noutput: .synth\n`);
  fs.writeFileSync(path.join(dir, 'main.ts'), [
    `import { MlApp, Service } from ${JSON.stringify(path.join(ROOT, 'lib'))};`,
    'const app = new MlApp();',
    "new Service(app, 'web', { image: 'nginx:1.27' });",
    fail ? "throw new Error('boom in the app');" : 'app.synth();',
    '',
  ].join('\n'));
  return dir;
}

function cdk8sSynth(cwd: string): { ok: boolean; output: string } {
  try {
    return { ok: true, output: execFileSync(CDK8S, ['synth', '--no-check-upgrade'], { cwd, encoding: 'utf8', stdio: 'pipe' }) };
  } catch (e: any) {
    return { ok: false, output: `${e.stdout}${e.stderr}` };
  }
}

describe('synth is atomic', () => {
  test('npx cdk8s synth writes dist/ and lists the manifests from its staging folder', () => {
    const dir = project(false);
    const r = cdk8sSynth(dir);
    expect(r.ok).toBe(true);
    expect(r.output).toContain('.synth/k8s/cpu/web.yaml');
    expect([...readTree(path.join(dir, 'dist')).keys()]).toContain('k8s/cpu/web.yaml');
  });

  test('an app that throws under npx cdk8s synth leaves dist/ exactly as it was', () => {
    const dir = project(false);
    expect(cdk8sSynth(dir).ok).toBe(true);
    const before = readTree(path.join(dir, 'dist'));
    fs.writeFileSync(path.join(dir, 'main.ts'), fs.readFileSync(path.join(dir, 'main.ts'), 'utf8').replace('app.synth();', "throw new Error('boom in the app');"));
    const r = cdk8sSynth(dir);
    expect(r.ok).toBe(false);
    expect(r.output).toContain('boom in the app');
    expect(readTree(path.join(dir, 'dist'))).toEqual(before);
    expect(before.size).toBeGreaterThan(3);
  });

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
});
