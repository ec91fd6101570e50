import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MlApp, MlService } from '../../lib';
import { Engine } from '../../scripts/images/engine';
import { buildStandIns } from '../../scripts/images/stand-ins';
import { ComposeProject, healthOf } from './compose-project';

/*
 * Declarations that synth accepts but that are broken where only a builder or a container can tell: each is run
 * beside a correct twin, which must pass, so the test shows it tells the two apart (issue 27, "Done when").
 */

const APP = `
from fastapi import FastAPI
app = FastAPI()
`;
const SOURCES: Record<string, string> = {
  // answers the probes the emitted health checks call
  'app/ok.py': `${APP}
@app.get("/readyz")
def readyz():
    return {"status": "ready"}
`,
  // answers only a path of its own, as tile-classifier did before the image test found it
  'app/health_only.py': `${APP}
@app.get("/health")
def health():
    return {"status": "ok"}
`,
  // needs a writable folder outside the paths every container gets
  'app/writer.py': `import pathlib
pathlib.Path("/var/lib/writer").mkdir(parents=True, exist_ok=True)
pathlib.Path("/var/lib/writer/state").write_text("started")
${APP}
@app.get("/readyz")
def readyz():
    return {"status": "ready"}
`,
  // a local file that the emitted Dockerfile.dockerignore keeps out of every build context
  '.env': 'TOKEN=kept-out\n',
  // the context's own ignore file: its patterns apply, and its `!.env` does not bring the secret back
  '.dockerignore': 'app/local-only.txt\n!.env\n',
  'app/local-only.txt': 'a file of the developer\'s, not for the image\n',
  'app/__init__.py': '',
};

let engine: Engine;
let root: string;
let project: ComposeProject;
const log = (line: string) => process.stdout.write(`${line}\n`);

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-broken-'));
  for (const [file, text] of Object.entries(SOURCES)) {
    fs.mkdirSync(path.dirname(path.join(root, 'services/probe', file)), { recursive: true });
    fs.writeFileSync(path.join(root, 'services/probe', file), text);
  }
  const app = new MlApp({ name: 'broken', rootDir: root, registry: 'registry.example.com/broken' });
  const serve = (module: string) => ['uvicorn', `app.${module}:app`, '--host', '0.0.0.0', '--port', '8000'];
  const props = { build: 'services/probe', port: 8000 };
  new MlService(app, 'probe-ok', { ...props, command: serve('ok') });
  new MlService(app, 'probe-health-only', { ...props, command: serve('health_only') });
  new MlService(app, 'writer-ok', { ...props, command: serve('writer'), writablePaths: ['/var/lib/writer'] });
  new MlService(app, 'writer-unmounted', { ...props, command: serve('writer') });
  new MlService(app, 'copy-ignored', { ...props, command: serve('ok'), copy: [{ from: 'app', to: '/app/app' }, { from: '.env', to: '/app/.env' }] });
  app.synth();
  engine = await Engine.start();
  buildStandIns(engine, path.join(root, 'dist'), () => undefined);
  project = new ComposeProject(engine, root, 'dist', {});
});
afterAll(async () => {
  project?.down();
  await engine?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const bakeTarget = (target: string) => engine.docker(['buildx', 'bake', '-f', 'dist/docker/docker-bake.json', '--load', '--progress', 'plain', target], { cwd: root });

test('a copy source that the emitted .dockerignore excludes fails its bake target, which the error names', () => {
  expect(bakeTarget('probe-ok-cpu').status).toBe(0);
  const r = bakeTarget('copy-ignored-cpu');
  const error = r.stderr.split('\n').filter((l) => l.startsWith('ERROR')).join('\n');
  log(`copy-ignored-cpu: ${error}`);
  expect(r.status).not.toBe(0);
  expect(error).toMatch(/\.env.*not found/);
  expect(r.stderr).toMatch(/\[copy-ignored-cpu/);
});

test("the context's own .dockerignore applies to the built image", () => {
  expect(bakeTarget('probe-ok-cpu').status).toBe(0);
  const image = JSON.parse(fs.readFileSync(path.join(root, 'dist/docker/docker-bake.json'), 'utf8')).target['probe-ok-cpu'].tags[0];
  const files = engine.must(['run', '--rm', '--entrypoint', 'find', image, '/app/app', '-type', 'f']);
  expect(files).toMatch(/\/app\/app\/ok\.py/);
  expect(files).not.toMatch(/local-only\.txt/);
});

describe('started by docker compose', () => {
  beforeAll(() => {
    for (const t of ['writer-ok-cpu', 'writer-unmounted-cpu', 'probe-health-only-cpu']) expect(bakeTarget(t).status).toBe(0);
  });

  test('a path the service writes but the contract does not mount stops it on the read-only root', () => {
    project.must(['--profile', 'cpu', 'up', '-d', '--no-build', '--wait', '--wait-timeout', '120', 'writer-ok-cpu']);
    expect(healthOf(project.containers('writer-ok-cpu')[0]).status).toBe('healthy');
    const up = project.compose(['--profile', 'cpu', 'up', '-d', '--no-build', '--wait', '--wait-timeout', '120', 'writer-unmounted-cpu']);
    expect(up.status).not.toBe(0);
    const [c] = project.containers('writer-unmounted-cpu');
    const logs = project.compose(['logs', 'writer-unmounted-cpu']).stdout;
    log(`writer-unmounted-cpu: exited ${c.State.ExitCode}: ${logs.split('\n').find((l) => /Read-only/.test(l))?.trim()}`);
    expect(c.State.Running).toBe(false);
    expect(c.State.ExitCode).not.toBe(0);
    expect(logs).toMatch(/Read-only file system: '\/var\/lib\/writer'/);
  });

  test('a service that does not answer its health check path never becomes healthy', async () => {
    project.must(['--profile', 'cpu', 'up', '-d', '--no-build', 'probe-ok-cpu', 'probe-health-only-cpu']);
    // both start; the engine's own checks (every 10 s) tell them apart
    const checked = async (service: string) => {
      for (let i = 0; i < 60; i++) {
        const h = healthOf(project.containers(service)[0]);
        if (h.exitCode !== undefined) return h;
        await new Promise((r) => setTimeout(r, 1000));
      }
      throw new Error(`${service} was never checked`);
    };
    const ok = await checked('probe-ok-cpu');
    const bad = await checked('probe-health-only-cpu');
    log(`probe-ok-cpu: ${ok.status}, exit ${ok.exitCode}; probe-health-only-cpu: ${bad.status}, exit ${bad.exitCode}: ${bad.output?.split('\n').pop()}`);
    expect(ok).toMatchObject({ status: 'healthy', exitCode: 0 });
    expect(bad.status).not.toBe('healthy');
    expect(bad.exitCode).not.toBe(0);
    expect(bad.output).toMatch(/404/);
  });
});
