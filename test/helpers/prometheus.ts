import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { freePort } from '../../scripts/cluster/control-plane';

/*
 * A real Prometheus (Debian's `prometheus`, installed by scripts/install-test-deps.sh) on a free loopback port, with
 * its own configuration and storage in a temporary folder, and exporters the test serves on loopback. Nothing here
 * depends on a Prometheus already running.
 */

export const PROMETHEUS = '/usr/bin/prometheus';


/** An exporter on loopback whose /metrics body is whatever `body()` returns at scrape time. */
export async function exporter(body: () => string): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    res.writeHead(req.url === '/metrics' ? 200 : 404, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(req.url === '/metrics' ? body() : '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  // Prometheus keeps its scrape connections open: close them too
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/** One scrape job of the configuration. */
export interface ScrapeJob {
  readonly name: string;
  readonly port: number;
  readonly honorLabels: boolean;
  /** Target labels Prometheus attaches, as service discovery would (e.g. the exporter's own pod and namespace). */
  readonly labels?: Record<string, string>;
}

/** A running Prometheus. */
export class Prometheus {
  public static async start(jobs: ScrapeJob[]): Promise<Prometheus> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-prometheus-'));
    const port = await freePort();
    const config = [
      'global:', '  scrape_interval: 1s', '  scrape_timeout: 500ms', 'scrape_configs:',
      ...jobs.flatMap((j) => [
        `  - job_name: ${j.name}`, `    honor_labels: ${j.honorLabels}`, '    static_configs:', `      - targets: ['127.0.0.1:${j.port}']`,
        ...(j.labels ? ['        labels:', ...Object.entries(j.labels).map(([k, v]) => `          ${k}: ${JSON.stringify(v)}`)] : []),
      ]),
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), config);
    const log = fs.openSync(path.join(dir, 'prometheus.log'), 'a');
    const child = spawn(PROMETHEUS, [
      `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
    ], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const p = new Prometheus(dir, port, child);
    const end = Date.now() + 30_000;
    for (;;) {
      try {
        if ((await p.get('/-/ready')).status === 200) break;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null || Date.now() > end) {
        const tail = fs.readFileSync(path.join(dir, 'prometheus.log'), 'utf8').slice(-2000);
        await p.stop();
        throw new Error(`prometheus did not become ready on 127.0.0.1:${port}: ${tail}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return p;
  }

  private constructor(private readonly dir: string, public readonly port: number, private readonly child: ChildProcess) {}

  private get(urlPath: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: this.port, path: urlPath, agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });
  }

  /** An instant query through the HTTP API: the result's samples, as KEDA's prometheus scaler reads them. */
  public async query(promql: string): Promise<Array<{ metric: Record<string, string>; value: number }>> {
    const r = await this.get(`/api/v1/query?query=${encodeURIComponent(promql)}`);
    const json = JSON.parse(r.body);
    if (json.status !== 'success') throw new Error(`query ${promql} failed: ${r.body}`);
    return json.data.result.map((x: any) => ({ metric: x.metric, value: Number(x.value[1]) }));
  }

  /** Waits until every scrape job has been scraped at least once after now (so the exporters' current bodies count). */
  public async freshScrape(): Promise<void> {
    const since = Date.now() / 1000;
    const end = Date.now() + 20_000;
    for (;;) {
      const targets = JSON.parse((await this.get('/api/v1/targets')).body).data.activeTargets as any[];
      if (targets.length && targets.every((t) => t.health === 'up' && Date.parse(t.lastScrape) / 1000 > since + 0.05)) return;
      if (Date.now() > end) throw new Error(`targets not scraped afresh: ${JSON.stringify(targets.map((t) => [t.scrapePool, t.health, t.lastError]))}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  public async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const gone = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000).unref())]);
      if (this.child.exitCode === null) this.child.kill('SIGKILL');
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
