import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { CommandResult, Engine } from '../../scripts/images/engine';

/*
 * An emitted Compose project, run as a user runs it: `docker compose -f <base> -f <ml> ...` in a copy of the output's
 * docker folder, so the test writes its secrets into its own temporary `.secrets/` and never into the repository's.
 * Build contexts resolve to the app's own folders through a link, as the emitted relative paths expect.
 */
export class ComposeProject {
  public readonly dir: string;
  public readonly name: string;
  /** The merged services of both files, as the files say them. */
  public readonly services: Record<string, any>;
  private readonly files: string[];

  public constructor(private readonly engine: Engine, rootDir: string, outdir: string, secrets: Record<string, string>) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-compose-'));
    this.name = `e2e-${crypto.randomBytes(3).toString('hex')}`;
    const docker = path.join(this.dir, outdir, 'docker');
    fs.mkdirSync(docker, { recursive: true });
    this.files = fs.readdirSync(path.join(rootDir, outdir, 'docker')).filter((f) => /^docker-compose\..*\.yml$/.test(f)).sort();
    this.files.sort((a, b) => Number(b.includes('.base.')) - Number(a.includes('.base.')));
    for (const f of this.files) fs.copyFileSync(path.join(rootDir, outdir, 'docker', f), path.join(docker, f));
    for (const entry of fs.readdirSync(rootDir)) {
      if (entry !== outdir && !entry.startsWith('.') && entry !== 'node_modules') fs.symlinkSync(path.join(rootDir, entry), path.join(this.dir, entry));
    }
    for (const [file, value] of Object.entries(secrets)) {
      fs.mkdirSync(path.dirname(path.join(this.dir, '.secrets', file)), { recursive: true });
      fs.writeFileSync(path.join(this.dir, '.secrets', file), value);
    }
    this.services = Object.assign({}, ...this.files.map((f) => parse(fs.readFileSync(path.join(docker, f), 'utf8')).services));
    this.cwd = docker;
  }

  private readonly cwd: string;

  /** `docker compose -f ... -p <project> <args>`; never throws. */
  public compose(args: string[], opts: { input?: string; timeoutMs?: number } = {}): CommandResult {
    return this.engine.docker(['compose', ...this.files.flatMap((f) => ['-f', f]), '-p', this.name, ...args], { cwd: this.cwd, ...opts });
  }

  /** compose() in the background. */
  public composeAsync(args: string[]): Promise<CommandResult> {
    return this.engine.dockerAsync(['compose', ...this.files.flatMap((f) => ['-f', f]), '-p', this.name, ...args], { cwd: this.cwd });
  }

  /** Like compose(), and throws with the output when it fails. */
  public must(args: string[], opts: { input?: string; timeoutMs?: number } = {}): string {
    const r = this.compose(args, opts);
    if (r.status !== 0) throw new Error(`docker compose ${args.join(' ')} exited ${r.status}:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-5000)}`);
    return r.stdout;
  }

  /** The containers of a service (all replicas, running or exited), by `docker inspect`. */
  public containers(service: string): any[] {
    const ids = this.must(['ps', '-a', '-q', service]).split('\n').filter(Boolean);
    return ids.length ? JSON.parse(this.engine.must(['inspect', ...ids])) : [];
  }

  /** Runs a command in a service's running container (replica `index`, from 1). */
  public exec(service: string, command: string[], index = 1): CommandResult {
    return this.compose(['exec', '-T', '--index', String(index), service, ...command]);
  }

  /** Stops and removes everything the project made, volumes too. */
  public down(): void {
    this.compose(['--profile', '*', 'down', '-v', '--remove-orphans', '-t', '5']);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A container's health as the engine saw it: status and the last check's exit code and output. */
export function healthOf(container: any): { status: string; exitCode?: number; output?: string } {
  const h = container.State.Health;
  const last = h?.Log?.[h.Log.length - 1];
  return { status: h?.Status ?? 'none', exitCode: last?.ExitCode, output: last?.Output?.trim() };
}
