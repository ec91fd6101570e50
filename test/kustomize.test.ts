import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildStack } from '../apps/stack';
import { documentation } from './helpers/docs';
import { parseStream, parseYaml } from './helpers/validate';

const ROOT = path.join(__dirname, '..');
const KUBECTL = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => fs.existsSync(p));

/** kubectl's built-in Kustomize, offline: the objects `kubectl apply -k DIR` would send. */
function kustomize(dir: string): any[] {
  if (!KUBECTL) throw new Error('kubectl is not installed: these tests run kubectl kustomize (kubectl ships Kustomize); install kubectl');
  return parseStream(execFileSync(KUBECTL, ['kustomize', dir], { encoding: 'utf8', stdio: 'pipe' }));
}

const key = (o: any) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const sorted = (objs: any[]) => [...objs].sort((a, b) => (key(a) < key(b) ? -1 : 1));

describe('Kustomize output', () => {
  const files = buildStack({ rootDir: ROOT }).synthFiles();
  const profiles = [...new Set([...files.keys()].filter((f) => f.startsWith('k8s/')).map((f) => f.split('/')[1]))];

  test.each(profiles)('dist/k8s/%s/kustomization.yaml lists every file, and kubectl kustomize renders exactly their objects', (p) => {
    const dir = path.join(ROOT, 'dist/k8s', p);
    const kustomization = parseYaml(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'));
    const yamls = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
    expect(kustomization).toEqual({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: yamls });
    const fromFiles = yamls.flatMap((f) => parseStream(fs.readFileSync(path.join(dir, f), 'utf8')));
    expect(sorted(kustomize(dir))).toEqual(sorted(fromFiles));
  });

  test('the README\'s overlay moves every object to its namespace, autoscaling queries included, and sets an image tag', () => {
    const readme = documentation();
    const overlay = /```yaml\n# deploy\/prod\/kustomization\.yaml\n([\s\S]*?)```/.exec(readme)![1];
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-overlay-'));
    fs.cpSync(path.join(ROOT, 'dist/k8s/gpu'), path.join(work, 'dist/k8s/gpu'), { recursive: true });
    fs.mkdirSync(path.join(work, 'deploy/prod'), { recursive: true });
    fs.writeFileSync(path.join(work, 'deploy/prod/kustomization.yaml'), overlay);
    const namespace = parseYaml(overlay).namespace;
    expect(namespace).toBe('ml-prod');
    const objects = kustomize(path.join(work, 'deploy/prod'));
    const base = kustomize(path.join(work, 'dist/k8s/gpu'));
    expect(objects.map(key).map((k) => k.replace(`/${namespace}/`, '/geo/'))).toEqual(expect.arrayContaining(base.map(key)));
    expect(objects.length).toBe(base.length);
    // Kustomize puts every namespaced object in the overlay's namespace (a PriorityClass is cluster-scoped)
    for (const o of objects.filter((x) => x.kind !== 'PriorityClass')) expect(o.metadata.namespace).toBe(namespace);
    // every query of every ScaledObject names the overlay's namespace, and no other
    const queries = objects.filter((o) => o.kind === 'ScaledObject').flatMap((o) => o.spec.triggers.map((t: any) => t.metadata.query as string));
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) expect({ q, namespaces: [...q.matchAll(/namespace="([^"]*)"/g)].map((m) => m[1]) }).toEqual({ q, namespaces: [namespace] });
    const images = objects.filter((o) => o.spec?.template).map((o) => [o.metadata.name, o.spec.template.spec.containers[0].image]);
    expect(Object.fromEntries(images)).toMatchObject({
      'sk-regression': 'ghcr.io/acme-geo/sk-regression:0.2.0-2.4-cuda12.4',
      'tile-classifier': 'ghcr.io/acme-geo/tile-classifier:0.1.0-2.5-cuda12.4',
      postgres: 'postgres:16.4-bookworm',
    });
  });

  test('without the namespace-scope transformer, the same overlay leaves the queries on the base\'s namespace (why it is needed)', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-overlay-'));
    fs.cpSync(path.join(ROOT, 'dist/k8s/gpu'), path.join(work, 'base'), { recursive: true });
    fs.mkdirSync(path.join(work, 'prod'));
    fs.writeFileSync(path.join(work, 'prod/kustomization.yaml'), 'resources: [../base]\nnamespace: ml-prod\n');
    const queries = kustomize(path.join(work, 'prod')).filter((o) => o.kind === 'ScaledObject').flatMap((o) => o.spec.triggers.map((t: any) => t.metadata.query as string));
    for (const q of queries) expect(q).toContain('namespace="geo"');
  });
});
