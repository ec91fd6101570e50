import { execFileSync, execSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as semver from 'semver';
import { checkParity } from '../lib';
import { documentation } from './helpers/docs';
import { readTree } from './helpers/fixture';
import { composeErrors, k8sErrors, k8sObjects, parseStream, parseYaml, podTemplates, restrictedViolations } from './helpers/validate';

/*
 * Follows the README's quick start literally in an empty folder: its commands in order, its files as written.
 * Nothing may come from the network at test time, so two things are served locally: `npm install <name>@<range>`
 * installs the tarball of the package this repository has installed (checked to satisfy the range), with --offline;
 * and the dev tools (`npx tsc`, `npx cdk8s`) are this repository's own copies of the same packages.
 */
const ROOT = path.join(__dirname, '..');
const pkg = require('../package.json');
const PEERS = Object.keys(pkg.peerDependenciesMeta ?? {});
jest.setTimeout(180_000);

interface Step { kind: 'sh'; line: string } // a command
interface FileStep { kind: 'file'; name: string; text: string }

function quickstart(): Array<Step | FileStep> {
  // the README's quick start, and the examples of the guides it links to that the quick start runs: every file first,
  // then the commands in order
  const files: FileStep[] = [];
  const commands: Step[] = [];
  for (const m of documentation().matchAll(/```(\w+) quickstart(?: file=(\S+))?\n([\s\S]*?)```/g)) {
    const [, lang, file, body] = m;
    if (file) files.push({ kind: 'file', name: file, text: body });
    else if (lang === 'sh') for (const line of body.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) commands.push({ kind: 'sh', line });
  }
  return [...files, ...commands];
}

function localTarball(spec: string, into: string): string {
  const at = spec.lastIndexOf('@');
  const name = at > 0 ? spec.slice(0, at) : spec;
  const range = at > 0 ? spec.slice(at + 1) : '*';
  const installed = require(path.join(ROOT, 'node_modules', name, 'package.json')).version;
  if (!semver.satisfies(installed, range)) throw new Error(`${name}@${installed} does not satisfy the README's ${range}`);
  const out = execFileSync('npm', ['pack', path.join(ROOT, 'node_modules', name), '--pack-destination', into, '--silent'], { cwd: into, encoding: 'utf8' });
  return `./${out.trim().split('\n').pop()}`;
}

describe('consumer: the README quick start in an empty folder', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-consumer-'));
  const log: string[] = [];

  beforeAll(() => {
    // the tarball a clone's `npm pack` makes (prepack compiles lib/ to build/)
    const packed = execFileSync('npm', ['pack', '--pack-destination', dir, '--silent'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
    expect(packed).toBe(`cdk8s-ml-${pkg.version}.tgz`);
    for (const step of quickstart()) {
      if (step.kind === 'file') {
        fs.writeFileSync(path.join(dir, step.name), step.text);
        continue;
      }
      let line = step.line;
      const install = /^npm install (--save-dev )?(.*)$/.exec(line);
      if (install) {
        if (install[1]) {
          log.push(`served locally: ${line}`); // dev tools: this repository's own cdk8s-cli and typescript
          continue;
        }
        // the optional peers (the escape hatch's validators) come from the npm cache, which scripts/install-test-deps.sh
        // fills at install time (with their own dependencies); the rest from this repository's installed copies
        const specs = install[2].split(/\s+/).map((s) => (s.startsWith('./') || PEERS.some((p) => s.startsWith(`${p}@`)) ? s : localTarball(s, dir)));
        // the package's own dependencies, which a registry install would fetch
        for (const dep of Object.keys(pkg.dependencies)) specs.push(localTarball(`${dep}@${pkg.dependencies[dep]}`, dir));
        line = `npm install --offline --no-audit --no-fund ${specs.join(' ')}`;
      }
      line = line.replace(/^npx tsc\b/, `node ${path.join(ROOT, 'node_modules/typescript/bin/tsc')}`)
        .replace(/^npx cdk8s synth( --no-check-upgrade)?\b/, `${path.join(ROOT, 'node_modules/.bin/cdk8s')} synth --no-check-upgrade`);
      log.push(`$ ${line}`);
      log.push(execSync(line, { cwd: dir, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, npm_config_update_notifier: 'false' } }));
    }
  });

  test('the package installs with its types and peers, and nothing else from this repository', () => {
    const installed = require(path.join(dir, 'node_modules/cdk8s-ml/package.json'));
    expect(installed.version).toBe(pkg.version);
    expect(fs.existsSync(path.join(dir, 'node_modules/cdk8s-ml/build/lib/index.d.ts'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'node_modules/cdk8s-ml/test'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'node_modules/cdk8s-ml/dist'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'main.js'))).toBe(true);
  });

  test('the consumer app synthesized, and every file validates', () => {
    const files = readTree(path.join(dir, 'dist'));
    expect(log.join('\n')).toContain('image-embedding.yaml');
    for (const f of ['docker/docker-compose.base.yml', 'docker/docker-compose.ml.yml']) expect(composeErrors(parseYaml(files.get(f)!))).toEqual([]);
    const objects = k8sObjects(files);
    expect(objects.length).toBeGreaterThan(0);
    for (const { obj } of objects) expect(k8sErrors(obj)).toEqual([]);
    for (const p of podTemplates(objects)) expect(restrictedViolations(p.spec)).toEqual([]);
    expect(checkParity(files).filter((d) => !d.expected)).toEqual([]);
  });

  test('two ML services with only their required props: both in every profile, no host port, a loopback debug port each', () => {
    const files = readTree(path.join(dir, 'dist'));
    const services = parseYaml(files.get('docker/docker-compose.ml.yml')!).services;
    for (const s of ['image-embedding', 'text-classifier']) {
      for (const p of ['cpu', 'gpu', 'gpu-large']) expect(services[`${s}-${p}`].ports).toBeUndefined();
      expect(services[`${s}-dev`].ports).toEqual(['127.0.0.1::5678/tcp']);
      expect(files.has(`k8s/gpu-large/${s}.yaml`)).toBe(true);
    }
  });

  test('its own gpu-large profile takes 2 GPUs in both runtimes', () => {
    const files = readTree(path.join(dir, 'dist'));
    const d = parseStream(files.get('k8s/gpu-large/image-embedding.yaml')!).find((o) => o.kind === 'Deployment');
    expect(d.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(2);
    const svc = parseYaml(files.get('docker/docker-compose.ml.yml')!).services['image-embedding-gpu-large'];
    expect(svc.deploy.resources.reservations.devices).toEqual([{ driver: 'nvidia', count: 2, capabilities: ['gpu'] }]);
  });

  test('the README\'s escape-hatch example, which needs the optional peers, synthesizes with the install line\'s packages', () => {
    // the peers came from the README's install line, not from this repository
    for (const p of PEERS) expect(fs.existsSync(path.join(dir, 'node_modules', p, 'package.json'))).toBe(true);
    const files = readTree(path.join(dir, 'dist-escape-hatch'));
    const [priority] = parseStream(files.get('k8s/gpu/_manifests.yaml')!);
    expect(priority).toMatchObject({ kind: 'PriorityClass', metadata: { name: 'gpu-inference' } });
    const gpu = parseStream(files.get('k8s/gpu/web.yaml')!).find((o) => o.kind === 'Deployment');
    expect(gpu.spec.template.spec.priorityClassName).toBe('gpu-inference');
    expect(parseStream(files.get('k8s/cpu/web.yaml')!).find((o) => o.kind === 'Deployment').spec.template.spec.priorityClassName).toBeUndefined();
    expect(parseYaml(files.get('docker/docker-compose.base.yml')!).services.web.labels).toEqual({ 'traefik.enable': 'true' });
    for (const { obj } of k8sObjects(files)) expect(k8sErrors(obj)).toEqual([]);
  });
});
