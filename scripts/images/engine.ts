import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/*
 * A Docker Engine for tests: the dockerd that scripts/images/install-engine.sh unpacks into .cache/engine, started on
 * its own socket, data root and exec root, so it touches no other engine on the machine. Images and the build cache
 * stay in .cache/engine/data between runs; containers, networks and volumes are the tests' to remove.
 */

export const ROOT = path.join(__dirname, '../..');
export const ENGINE_DIR = process.env.CDK8S_ML_ENGINE_DIR ?? path.join(ROOT, '.cache/engine');
const BIN = path.join(ENGINE_DIR, 'bin');
const RUN = path.join(ENGINE_DIR, 'run');

/** Why the engine cannot run here, or undefined when it can. */
export function engineUnavailable(): string | undefined {
  if (process.getuid && process.getuid() !== 0) return 'dockerd needs root, and this process is not root';
  if (!fs.existsSync(path.join(ENGINE_DIR, '.installed'))) return `the engine is not installed under ${ENGINE_DIR}: run bash scripts/images/install-engine.sh`;
  return undefined;
}

export interface CommandResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running dockerd. */
export class Engine {
  /** Starts one; resolves once it answers `docker info`. */
  public static async start(log: (line: string) => void = () => undefined): Promise<Engine> {
    const why = engineUnavailable();
    if (why) throw new Error(why);
    fs.mkdirSync(RUN, { recursive: true });
    stopStale();
    const logFile = fs.openSync(path.join(ENGINE_DIR, 'dockerd.log'), 'w');
    const child = spawn(path.join(BIN, 'dockerd'), [
      '--host', `unix://${path.join(RUN, 'docker.sock')}`,
      '--data-root', path.join(ENGINE_DIR, 'data'),
      '--exec-root', path.join(ENGINE_DIR, 'exec'),
      '--pidfile', path.join(RUN, 'docker.pid'),
    ], { env: { ...process.env, PATH: `${BIN}:${process.env.PATH}` }, stdio: ['ignore', logFile, logFile], detached: true });
    fs.closeSync(logFile);
    const engine = new Engine(child, log);
    const deadline = Date.now() + 60_000;
    while (engine.docker(['info', '--format', '{{.ServerVersion}}']).status !== 0) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await engine.stop();
        throw new Error(`dockerd did not start; its log:\n${fs.readFileSync(path.join(ENGINE_DIR, 'dockerd.log'), 'utf8').slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return engine;
  }

  /** The environment under which `docker`, `docker compose` and `docker buildx` talk to this engine. */
  public readonly env: NodeJS.ProcessEnv;

  private constructor(private readonly child: ChildProcess, private readonly log: (line: string) => void) {
    this.env = {
      ...process.env,
      DOCKER_HOST: `unix://${path.join(RUN, 'docker.sock')}`,
      DOCKER_CONFIG: path.join(ENGINE_DIR, 'config'),
      PATH: `${BIN}:${process.env.PATH}`,
      BUILDX_NO_DEFAULT_ATTESTATIONS: '1',
    };
  }

  /** Runs `docker <args>`; never throws. */
  public docker(args: string[], opts: { cwd?: string; input?: string | Buffer; timeoutMs?: number } = {}): CommandResult {
    const r = spawnSync(path.join(BIN, 'docker'), args, {
      cwd: opts.cwd ?? ROOT, env: this.env, input: opts.input, encoding: 'utf8', timeout: opts.timeoutMs ?? 20 * 60_000, maxBuffer: 256 * 1024 * 1024,
    });
    return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? `\n${r.error.message}` : '') };
  }

  /** Runs `docker <args>` in the background; resolves when it exits. */
  public dockerAsync(args: string[], opts: { cwd?: string } = {}): Promise<CommandResult> {
    const child = spawn(path.join(BIN, 'docker'), args, { cwd: opts.cwd ?? ROOT, env: this.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    return new Promise((resolve) => child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr })));
  }

  /** Runs `docker <args>` and returns its output; throws with the command and its output when it fails. */
  public must(args: string[], opts: { cwd?: string; input?: string | Buffer; timeoutMs?: number } = {}): string {
    const r = this.docker(args, opts);
    if (r.status !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.status}:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
    this.log(`docker ${args.join(' ')}`);
    return r.stdout;
  }

  /** Whether an image is in the engine's store. */
  public hasImage(ref: string): boolean {
    return this.docker(['image', 'inspect', '--format', '{{.Id}}', ref]).status === 0;
  }

  /** Stops dockerd (which stops what still runs) and waits for it to exit. */
  public async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 30_000)))]);
    clearTimeout(timer);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await exited;
    }
  }
}

/** A dockerd left running on this data root by an interrupted run holds its pidfile and socket: stop it first. */
function stopStale(): void {
  const pidfile = path.join(RUN, 'docker.pid');
  if (!fs.existsSync(pidfile)) return;
  const pid = Number(fs.readFileSync(pidfile, 'utf8'));
  const cmdline = (() => { try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { return ''; } })();
  if (pid > 0 && cmdline.includes(ENGINE_DIR)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (fs.existsSync(`/proc/${pid}`) && Date.now() < deadline) spawnSync('sleep', ['0.2']);
  }
  fs.rmSync(pidfile, { force: true });
}
