import { Duration, Size } from 'cdk8s';
import { Cpu, EnvValue, HealthCheck, Service } from '../lib';
import { newApp } from './helpers/fixture';
import { parseStream, parseYaml } from './helpers/validate';

describe('Service', () => {
  const app = newApp();
  const db = new Service(app, 'db', {
    image: 'postgres:16.4-bookworm', user: 999, component: 'database',
    ports: [{ port: 5432, name: 'postgres' }],
    env: { POSTGRES_PASSWORD_FILE: EnvValue.secretFile('db-credentials', 'password') },
    volumes: [{ name: 'data', path: '/var/lib/postgresql/data', size: Size.gibibytes(20), storageClassName: 'fast' }],
    writablePaths: ['/var/run/postgresql'],
    healthCheck: HealthCheck.command(['pg_isready'], { startupTimeout: Duration.minutes(2), interval: Duration.seconds(5) }),
  });
  new Service(app, 'web', { image: 'nginx:1.27', command: ['nginx', '-g', 'daemon off;'], ports: [{ port: 80, hostPort: 8088 }], dependsOn: [db], cpuRequest: Cpu.millis(50), cpuLimit: Cpu.millis(500), replicas: 3 });
  const files = app.synthFiles();
  const compose = parseYaml(files.get('docker/docker-compose.base.yml')!);
  const [pvc, deployment, service] = parseStream(files.get('k8s/cpu/db.yaml')!);

  test('a stateful service keeps its data on a claim, mounted by a Recreate Deployment', () => {
    expect(pvc).toMatchObject({ kind: 'PersistentVolumeClaim', metadata: { name: 'db-data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '20Gi' } } } });
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    expect(compose.volumes).toEqual({ 'db-data': {} });
    expect(compose.services.db.volumes).toEqual([{ type: 'volume', source: 'db-data', target: '/var/lib/postgresql/data', read_only: false }]);
  });

  test('command checks become exec probes and a Compose healthcheck with the startup window', () => {
    const c = deployment.spec.template.spec.containers[0];
    expect(c.startupProbe).toEqual({ exec: { command: ['pg_isready'] }, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 24 });
    expect(compose.services.db.healthcheck).toEqual({ test: ['CMD', 'pg_isready'], interval: '5s', timeout: '5s', retries: 3, start_period: '120s' });
  });

  test('secrets are a projected volume at /run/secrets and a Compose secret read from .secrets/', () => {
    const pod = deployment.spec.template.spec;
    // a folder per secret in both runtimes: /run/secrets/<secret>/<key>
    expect(pod.volumes.find((v: any) => v.name === 'secrets').projected.sources).toEqual([{ secret: { name: 'db-credentials', items: [{ key: 'password', path: 'db-credentials/password' }] } }]);
    expect(compose.secrets).toEqual({ 'db-credentials_password': { file: '../../.secrets/db-credentials/password' } });
    expect(compose.services.db.secrets).toEqual([{ source: 'db-credentials_password', target: '/run/secrets/db-credentials/password' }]);
    expect(compose.services.db.environment.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/db-credentials/password');
  });

  test('writable paths are tmpfs in Compose, owned by the user (a tmpfs over an image folder is root\'s), and emptyDirs in Kubernetes', () => {
    expect(compose.services.db.tmpfs).toEqual(['/tmp:uid=999,gid=999', '/cache:uid=999,gid=999', '/var/run/postgresql:uid=999,gid=999']);
    expect(deployment.spec.template.spec.containers[0].volumeMounts.map((m: any) => m.mountPath)).toEqual(expect.arrayContaining(['/tmp', '/cache', '/var/run/postgresql']));
  });

  test('a stateless service rolls, keeps replicas, waits for healthy dependencies and publishes its host port', () => {
    const web = parseStream(files.get('k8s/cpu/web.yaml')!);
    expect(web.map((o) => o.kind)).toEqual(['Deployment', 'Service']);
    expect(web[0].spec).toMatchObject({ replicas: 3, strategy: { type: 'RollingUpdate' } });
    expect(web[0].spec.template.spec.containers[0].args).toEqual(['nginx', '-g', 'daemon off;']);
    expect(web[0].spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '50m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
    expect(compose.services.web.depends_on).toEqual({ db: { condition: 'service_healthy' } });
    expect(compose.services.web.ports).toEqual([{ target: 80, published: '8088', protocol: 'tcp' }]);
    expect(compose.services.web.deploy.resources).toEqual({ limits: { cpus: '0.5', memory: '512m' }, reservations: { cpus: '0.05', memory: '256m' } });
  });

  test('the Kubernetes Service targets the named port', () => {
    expect(service.spec.ports).toEqual([{ name: 'postgres', port: 5432, protocol: 'TCP', targetPort: 'postgres' }]);
  });

  test('addEnv and addVolume validate like props: the problems stop the next synth, all of them reported', () => {
    const app2 = newApp();
    const s = new Service(app2, 'db', { image: 'postgres:16.4-bookworm', volumes: [{ name: 'data', path: '/var/lib/postgresql/data' }] });
    s.addEnv('HOME', '/x');
    s.addVolume({ name: 'more', path: '/var/lib/postgresql/data' });
    expect(() => app2.synthFiles()).toThrow(/set by cdk8s-ml[\s\S]*both mounted at/);
  });
});

describe('Cpu', () => {
  test.each([[Cpu.millis(250), '250m', '0.25', 1], [Cpu.units(2), '2', '2', 2], [Cpu.units(1.5), '1500m', '1.5', 1]])('%j', (cpu, quantity, cpus, threads) => {
    expect([cpu.toQuantity(), cpu.toCpus(), cpu.toThreads()]).toEqual([quantity, cpus, threads]);
  });
});
