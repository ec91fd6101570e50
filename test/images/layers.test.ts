import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Engine, ROOT } from '../../scripts/images/engine';

/*
 * ADR-007's promises that do not depend on timing (issue "The ADR's promises, measured"; `npm run bench:images`
 * measures the rest): services on one base share all of its layers, and a code-only change rebuilds no package
 * install. On the emitted bake file, with the engine and stand-ins of the image tests.
 */

const BAKE = 'dist/docker/docker-bake.json';
const bake = JSON.parse(fs.readFileSync(path.join(ROOT, BAKE), 'utf8'));
const services = Object.entries<any>(bake.target).filter(([, t]) => t.contexts);

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.start();
  const r = engine.docker(['buildx', 'bake', '-f', BAKE, '--load']);
  if (r.status !== 0) throw new Error(r.stderr.slice(-3000));
});
afterAll(async () => {
  await engine?.stop();
});

const layers = (ref: string): string[] => JSON.parse(engine.must(['image', 'inspect', ref]))[0].RootFS.Layers;

// every service image starts with all of its base's layers, by digest, so services on one base share it: a registry
// stores it once and a node pulls it once, and each service adds only its own layers
test.each(services.map(([name]) => name))('%s holds every layer of its base, by digest, below its own', (name) => {
  const t = bake.target[name];
  const base = bake.target[Object.values<string>(t.contexts)[0].slice('target:'.length)].tags[0];
  const own = layers(t.tags[0]);
  const below = layers(base);
  expect(own.slice(0, below.length)).toEqual(below);
  expect(own.length).toBeGreaterThan(below.length);
});

test('a code-only change rebuilds the COPY of the code and no package install (the builder reports the step CACHED)', () => {
  const t = bake.target['sk-regression-cpu'];
  const context = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-code-change-'));
  fs.cpSync(path.join(ROOT, t.context), context, { recursive: true });
  fs.appendFileSync(path.join(context, 'app/__init__.py'), `# a code-only change ${Date.now()}\n`);
  const dockerfile = path.resolve(ROOT, t.context, t.dockerfile);
  // the emitted target, its context swapped for the changed copy and its result tagged apart
  const r = engine.docker(['buildx', 'bake', '-f', BAKE, '--load', '--progress', 'plain',
    '--set', `sk-regression-cpu.context=${context}`, '--set', `sk-regression-cpu.dockerfile=${dockerfile}`,
    '--set', 'sk-regression-cpu.tags=cdk8s-ml-test/code-change:latest', 'sk-regression-cpu']);
  fs.rmSync(context, { recursive: true, force: true });
  expect(r.status).toBe(0);
  const steps = new Map<string, string[]>();
  for (const line of r.stderr.split('\n')) {
    const m = /^#(\d+) (.*)$/.exec(line);
    if (m) steps.set(m[1], [...(steps.get(m[1]) ?? []), m[2]]);
  }
  const step = (pattern: RegExp) => [...steps.values()].find((lines) => pattern.test(lines[0]))!;
  expect(step(/\[sk-regression-cpu runtime \d+\/\d+\] RUN pip install/)).toContain('CACHED');
  expect(step(/\[sk-regression-cpu runtime \d+\/\d+\] COPY \[app,\/app\/app\]/)).not.toContain('CACHED');
  engine.docker(['image', 'rm', 'cdk8s-ml-test/code-change:latest']);
});
