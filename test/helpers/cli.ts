import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempRoot } from './fixture';

export const ROOT = path.join(__dirname, '../..');
export const CDK8S = path.join(ROOT, 'node_modules/.bin/cdk8s');

/**
 * A project folder whose cdk8s app (main.ts) declares `services` plain services through this repository's library,
 * with the given cdk8s.yaml `output` (none: no output line) and MlApp props.
 */
export function cliProject(opts: { output?: string | null; appProps?: string; services?: number; extra?: string } = {}): string {
  const dir = tempRoot();
  const output = opts.output === undefined ? '.synth' : opts.output;
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), `app: node --require ${require.resolve('tsx/cjs')} main.ts\n${output === null ? '' : `output: ${output}\n`}`);
  fs.writeFileSync(path.join(dir, 'main.ts'), [
    `import { MlApp, Service, synthOrExit } from ${JSON.stringify(path.join(ROOT, 'lib'))};`,
    'synthOrExit(() => {',
    `  const app = new MlApp(${opts.appProps ?? '{}'});`,
    `  for (let i = 0; i < ${opts.services ?? 1}; i++) new Service(app, i === 0 ? 'web' : \`web-\${i}\`, { image: 'nginx:1.27', ports: [{ port: 80 }] });`,
    `  ${opts.extra ?? ''}`,
    '  return app;',
    '});',
    '',
  ].join('\n'));
  return dir;
}

/** Runs `cdk8s synth` in `cwd`; never throws. */
export function cdk8sSynth(cwd: string): { ok: boolean; status: number | null; output: string } {
  // standard error too: the CLI keeps the app's standard output, and the app prints its summary on standard error
  const r = spawnSync(CDK8S, ['synth', '--no-check-upgrade'], { cwd, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
  return { ok: r.status === 0, status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Starts `cdk8s synth` in `cwd` in a process group of its own, so the whole tree can be killed. */
export function startSynth(cwd: string): ChildProcess & { done: Promise<{ code: number | null; signal: string | null; output: string }> } {
  const child = spawn(CDK8S, ['synth', '--no-check-upgrade'], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr!.on('data', (d) => { output += d; });
  const done = new Promise<{ code: number | null; signal: string | null; output: string }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, output }));
  });
  return Object.assign(child, { done });
}

/** Names in `dir` that a synth leaves only when it did not clean up (staging, moved-aside folders, locks). */
export function strays(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => /\.(staging|old)-|\.lock$|\.lock\.\d+$/.test(n));
}
