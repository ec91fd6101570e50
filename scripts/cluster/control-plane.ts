import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/*
 * A real Kubernetes control plane on loopback, for tests: etcd, kube-apiserver, kube-controller-manager and
 * kube-scheduler at one release, built from Go modules by scripts/cluster/build.sh, and kwok playing the kubelet of
 * the fake nodes. Recipe: shared/design/LEARNED.md ("A real Kubernetes control plane"), copied into this file and the
 * build script. Everything listens on free loopback ports and lives in a temporary folder that stop() removes.
 */

export const ROOT = path.join(__dirname, '../..');
export const BIN = process.env.CLUSTER_BIN ?? path.join(ROOT, '.cache/cluster/bin');
export const KUBECTL = path.join(BIN, 'kubectl');
const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'kwok'];

/** Whether the binaries are built; the reason when not. */
export function missingBinaries(kwok = true): string | undefined {
  const missing = COMPONENTS.filter((c) => (kwok || c !== 'kwok') && !fs.existsSync(path.join(BIN, c)));
  return missing.length ? `${missing.join(', ')} not built under ${BIN}: run bash scripts/cluster/build.sh` : undefined;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface KubectlResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running control plane. */
export class ControlPlane {
  /** Starts one; resolves once the API server answers and the default namespace and service account exist. */
  public static async start(opts: { kwok?: boolean; admissionPlugins?: string[]; log?: (line: string) => void } = {}): Promise<ControlPlane> {
    const why = missingBinaries(opts.kwok ?? true);
    if (why) throw new Error(why);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-cluster-'));
    const cp = new ControlPlane(dir, opts.log ?? (() => undefined));
    try {
      await cp.boot(opts.kwok ?? true, opts.admissionPlugins ?? []);
    } catch (e) {
      await cp.stop();
      throw e;
    }
    return cp;
  }

  public readonly kubeconfig: string;
  private readonly procs: Array<{ name: string; child: ChildProcess }> = [];

  private constructor(public readonly dir: string, private readonly log: (line: string) => void) {
    this.kubeconfig = path.join(dir, 'kubeconfig');
  }

  /** kubectl against this cluster; never throws. */
  public kubectl(args: string[], input?: string): KubectlResult {
    try {
      const stdout = execFileSync(KUBECTL, ['--kubeconfig', this.kubeconfig, ...args], { input, encoding: 'utf8', stdio: 'pipe', maxBuffer: 64 << 20 });
      return { status: 0, stdout, stderr: '' };
    } catch (e: any) {
      return { status: e.status ?? 1, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? e.message) };
    }
  }

  /** kubectl that must succeed: returns stdout, throws with stderr otherwise. */
  public must(args: string[], input?: string): string {
    const r = this.kubectl(args, input);
    if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** A JSON object or list from the API server. */
  public get(args: string[]): any {
    return JSON.parse(this.must(['get', ...args, '-o', 'json']));
  }

  /** A raw GET of an API path, parsed. */
  public raw(apiPath: string): any {
    return JSON.parse(this.must(['get', '--raw', apiPath]));
  }

  /** Polls `fn` until it returns a value other than undefined, or fails after `ms`. */
  public async until<T>(what: string, fn: () => T | undefined, ms = 60_000): Promise<T> {
    const end = Date.now() + ms;
    let last: unknown;
    for (;;) {
      try {
        const v = fn();
        if (v !== undefined) return v;
      } catch (e) {
        last = e;
      }
      if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Stops every component and removes the folder. */
  public async stop(): Promise<void> {
    for (const { child } of [...this.procs].reverse()) {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 5000).unref())]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private spawn(name: string, bin: string, args: string[]): ChildProcess {
    const out = fs.openSync(path.join(this.dir, `${name}.log`), 'a');
    const child = spawn(path.join(BIN, bin), args, { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    // stop() ends it; until then it does not hold the test runner open
    child.unref();
    child.on('exit', (code, signal) => this.log(`${name} exited (${code ?? signal})`));
    this.procs.push({ name, child });
    return child;
  }

  /** The last lines a component logged, for failure messages. */
  public logTail(name: string, lines = 30): string {
    const f = path.join(this.dir, `${name}.log`);
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').slice(-lines).join('\n') : '';
  }

  private async boot(kwok: boolean, admissionPlugins: string[]): Promise<void> {
    const t0 = Date.now();
    const d = this.dir;
    const [etcdClient, etcdPeer, api, cmPort, schedPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    this.spawn('etcd', 'etcd', [
      '--data-dir', path.join(d, 'etcd'), '--listen-client-urls', `http://127.0.0.1:${etcdClient}`,
      '--advertise-client-urls', `http://127.0.0.1:${etcdClient}`, '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`, '--initial-cluster', `default=http://127.0.0.1:${etcdPeer}`,
      '--log-level', 'error', '--unsafe-no-fsync',
    ]);
    // the service-account signing key pair, and a static token in system:masters for every client here
    execFileSync('openssl', ['genrsa', '-out', path.join(d, 'sa.key'), '2048'], { stdio: 'ignore' });
    execFileSync('openssl', ['rsa', '-in', path.join(d, 'sa.key'), '-pubout', '-out', path.join(d, 'sa.pub')], { stdio: 'ignore' });
    const token = 'cdk8s-ml-test-token';
    fs.writeFileSync(path.join(d, 'tokens.csv'), `${token},admin,admin,system:masters\n`);
    fs.writeFileSync(this.kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: test',
      'clusters:', `- name: test`, '  cluster:', `    server: https://127.0.0.1:${api}`, '    insecure-skip-tls-verify: true',
      'users:', '- name: admin', '  user:', `    token: ${token}`,
      'contexts:', '- name: test', '  context:', '    cluster: test', '    user: admin', '    namespace: default', '',
    ].join('\n'));
    this.spawn('kube-apiserver', 'kube-apiserver', [
      '--etcd-servers', `http://127.0.0.1:${etcdClient}`, '--bind-address', '127.0.0.1', '--advertise-address', '127.0.0.1',
      '--secure-port', String(api), '--cert-dir', path.join(d, 'certs'), '--token-auth-file', path.join(d, 'tokens.csv'),
      '--authorization-mode', 'RBAC', '--service-account-key-file', path.join(d, 'sa.pub'),
      '--service-account-signing-key-file', path.join(d, 'sa.key'), '--service-account-issuer', 'https://kubernetes.default.svc',
      '--service-cluster-ip-range', '10.96.0.0/16', '--allow-privileged=false', '--enable-priority-and-fairness=false',
      ...(admissionPlugins.length ? ['--enable-admission-plugins', admissionPlugins.join(',')] : []),
    ]);
    await this.until('the API server', () => (this.kubectl(['get', '--raw', '/readyz']).status === 0 ? true : undefined), 90_000)
      .catch((e) => { throw new Error(`${e.message}\n${this.logTail('kube-apiserver')}`); });
    this.log(`kube-apiserver ready in ${Date.now() - t0} ms`);
    this.spawn('kube-controller-manager', 'kube-controller-manager', [
      '--kubeconfig', this.kubeconfig, '--bind-address', '127.0.0.1', '--secure-port', String(cmPort),
      '--service-account-private-key-file', path.join(d, 'sa.key'), '--use-service-account-credentials=false',
      '--root-ca-file', path.join(d, 'certs', 'apiserver.crt'),
      // no kubelet renews Leases without kwok, and the CSR signer wants a CA this cluster has not got
      '--controllers', '*,-certificatesigningrequest-signing-controller,-node-lifecycle-controller',
      '--leader-elect=false', '--concurrent-job-syncs=5',
    ]);
    this.spawn('kube-scheduler', 'kube-scheduler', [
      '--kubeconfig', this.kubeconfig, '--bind-address', '127.0.0.1', '--secure-port', String(schedPort), '--leader-elect=false',
    ]);
    if (kwok) {
      const kwokPort = await freePort();
      this.spawn('kwok', 'kwok', [
        '--kubeconfig', this.kubeconfig, '--manage-all-nodes=true', '--server-address', `127.0.0.1:${kwokPort}`, '--cidr', '10.244.0.0/16',
      ]);
    }
    await this.until('the default service account', () => (this.kubectl(['get', 'serviceaccount', 'default', '-n', 'default']).status === 0 ? true : undefined), 90_000)
      .catch((e) => { throw new Error(`${e.message}\n${this.logTail('kube-controller-manager')}`); });
    this.log(`control plane ready in ${Date.now() - t0} ms`);
  }
}
