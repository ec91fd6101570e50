import * as path from 'path';
import { DeclarationError, Service } from '../lib';
import { newApp } from './helpers/fixture';

/*
 * The validators are optional peers, loaded only for what the library did not build itself. When one is not installed,
 * the synth reports it as one problem naming the package and the install command (no stack trace), and writes
 * nothing. The packages are made missing here by making `require` fail as Node does for a package that is not there.
 */
// jest hoists these above every declaration, so each factory stands alone
jest.mock('kubernetes-models/apps/v1/Deployment', () => {
  throw Object.assign(new Error('Cannot find module'), { code: 'MODULE_NOT_FOUND' });
});
jest.mock('ajv', () => {
  throw Object.assign(new Error('Cannot find module'), { code: 'MODULE_NOT_FOUND' });
});

function problems(run: () => void): string[] {
  try {
    run();
    return [];
  } catch (e) {
    if (!DeclarationError.isDeclarationError(e)) throw e;
    return e.problems.map((p) => `[${p.path}] ${p.message}`);
  }
}

test('a Kubernetes override without kubernetes-models installed: one problem with the package and the install command', () => {
  const app = newApp();
  const web = new Service(app, 'web', { image: 'nginx:1.27', ports: [{ port: 80 }] });
  web.addKubernetesOverride('Deployment', { spec: { template: { spec: { priorityClassName: 'high' } } } });
  expect(problems(() => app.synth())).toEqual(["[<root>] cdk8s-ml needs the package 'kubernetes-models' to validate added manifests, overrides and policy objects, and it is not installed: npm install --save-dev kubernetes-models"]);
  expect(require('fs').existsSync(path.join(app.rootDir, 'dist'))).toBe(false);
});

test('a Compose override without ajv installed, beside another mistake: both in one report', () => {
  const app = newApp();
  const web = new Service(app, 'web', { image: 'nginx:1.27', ports: [{ port: 80 }], dependsOn: ['nowhere'] });
  new Service(app, 'api', { image: 'nginx:1.27' }).addComposeOverride({ labels: { team: 'ml' } });
  expect(web.name).toBe('web');
  expect(problems(() => app.synthFiles())).toEqual([
    "[<root>] cdk8s-ml needs the package 'ajv' to validate Compose overrides, and it is not installed: npm install --save-dev ajv",
    expect.stringMatching(/^\[web\] dependency 'nowhere' is not a declared workload/),
  ]);
});
