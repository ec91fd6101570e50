import * as fs from 'fs';
import * as path from 'path';
import { Size } from 'cdk8s';
import {
  Cpu, DeclarationError, EnvValue, GpuRequest, HealthCheck, ImageFlavor, MlApp, MlAppProps, Profile, Service,
} from '../lib';
import { mlService, readTree, tempRoot } from './helpers/fixture';

interface Case {
  /** What is wrong. */
  readonly name: string;
  /** App props, for cases that are wrong at the app level. */
  readonly app?: MlAppProps;
  /** Declares the bad input on a valid app. */
  readonly declare?: (app: MlApp) => void;
  /** The construct path the message must name. */
  readonly path: string;
  /** The bad value, as the message must show it. */
  readonly value: string;
  /** A fragment of what is allowed / the fix. */
  readonly fix: RegExp;
}

const img = 'busybox:1.36';
const cases: Case[] = [
  { name: 'service name not a DNS-1123 label', declare: (a) => { mlService(a, 'Bad_Name'); }, path: 'Bad_Name', value: "'Bad_Name'", fix: /DNS-1123 label/ },
  { name: 'service name too long', declare: (a) => { new Service(a, 'x', { name: 'a'.repeat(64), image: img }); }, path: 'x', value: 'a'.repeat(64), fix: /at most 63/ },
  { name: 'GPU count zero', declare: (a) => { mlService(a, 'svc', { gpu: GpuRequest.whole(0) }); }, path: 'svc', value: 'gpu count 0', fix: /whole number from 1 to 64/ },
  { name: 'GPU count fractional', declare: (a) => { mlService(a, 'svc', { gpu: GpuRequest.whole(1.5) }); }, path: 'svc', value: '1.5', fix: /whole number/ },
  { name: 'GPU count negative in a profile', declare: (a) => { new Profile(a, 'big', { flavor: ImageFlavor.CUDA, gpu: GpuRequest.whole(-2) }); }, path: 'big', value: '-2', fix: /whole number/ },
  { name: 'two services with one name', declare: (a) => { new Service(a, 'a', { name: 'db', image: img }); new Service(a, 'b', { name: 'db', image: img }); }, path: 'b', value: "'db'", fix: /its own name/ },
  { name: 'two services publishing one host port', declare: (a) => { new Service(a, 'a', { image: img, ports: [{ port: 80, hostPort: 8080 }] }); new Service(a, 'b', { image: img, ports: [{ port: 81, hostPort: 8080 }] }); }, path: 'b', value: 'host port 8080', fix: /different hostPort/ },
  { name: 'ML port colliding with a base service host port', declare: (a) => { new Service(a, 'web', { image: img, ports: [{ port: 80, hostPort: 8000 }] }); mlService(a); }, path: 'svc', value: 'host port 8000', fix: /different hostPort/ },
  { name: 'dependency on an undeclared service', declare: (a) => { new Service(a, 'a', { image: img, dependsOn: ['redis'] }); }, path: 'a', value: "'redis'", fix: /declare it/ },
  { name: 'dependency cycle', declare: (a) => { new Service(a, 'a', { image: img, dependsOn: ['b'] }); new Service(a, 'b', { image: img, dependsOn: ['a'] }); }, path: 'a', value: 'a -> b -> a', fix: /break the cycle/ },
  { name: 'dependency on itself', declare: (a) => { new Service(a, 'a', { image: img, dependsOn: ['a'] }); }, path: 'a', value: "'a' depends on itself", fix: /remove the dependency/ },
  { name: 'base service depending on an ML service', declare: (a) => { mlService(a); new Service(a, 'web', { image: img, dependsOn: ['svc'] }); }, path: 'web', value: "'svc'", fix: /alias/ },
  { name: 'unknown profile', declare: (a) => { mlService(a, 'svc', { profiles: ['gpu-xl'] }); }, path: 'svc', value: "'gpu-xl'", fix: /declare it with new Profile/ },
  { name: 'GPU request in a profile without a CUDA runtime', declare: (a) => { new Profile(a, 'x', { gpu: GpuRequest.whole(1) }); }, path: 'x', value: "'cpu'", fix: /ImageFlavor.CUDA/ },
  { name: 'GPU node selection in a profile without GPUs', declare: (a) => { new Profile(a, 'x', { gpuProducts: ['NVIDIA-A100'] }); }, path: 'x', value: "'x'", fix: /drop the GPU node selection/ },
  { name: 'MIG under Compose without device ids', declare: (a) => { new Profile(a, 'mig', { flavor: ImageFlavor.CUDA, gpu: GpuRequest.mig('1g.5gb') }); mlService(a); }, path: 'svc', value: "'nvidia.com/mig-1g.5gb'", fix: /deviceIds|compose: false/ },
  { name: 'MIG profile malformed', declare: (a) => { mlService(a, 'svc', { gpu: GpuRequest.mig('1g') }); }, path: 'svc', value: "'1g'", fix: /'1g.5gb'/ },
  { name: 'MIG device ids not one per slice', declare: (a) => { mlService(a, 'svc', { gpu: GpuRequest.mig('1g.5gb', 2, { deviceIds: ['MIG-a'] }) }); }, path: 'svc', value: '["MIG-a"]', fix: /one MIG device UUID per slice/ },
  { name: 'shared GPU resource name malformed', declare: (a) => { mlService(a, 'svc', { gpu: GpuRequest.shared(2, { resourceName: 'gpu shared' }) }); }, path: 'svc', value: "'gpu shared'", fix: /'<domain>\/<name>'/ },
  { name: 'memory limit below the shm size', declare: (a) => { mlService(a, 'svc', { memoryRequest: Size.mebibytes(256), memoryLimit: Size.mebibytes(512), shmSize: Size.gibibytes(1) }); }, path: 'svc', value: '512Mi', fix: /raise memoryLimit above the shm size/ },
  { name: 'shm size zero', declare: (a) => { new Service(a, 'a', { image: img, shmSize: Size.mebibytes(0) }); }, path: 'a', value: '0Mi', fix: /at least 1 MiB/ },
  { name: 'unsupported torch/CUDA pair', app: { cuda: '12.6' }, path: 'ml-base-cuda', value: "cuda '12.6'", fix: /torch 2\.4 with cuda 11\.8\|12\.1\|12\.4/ },
  { name: 'unknown torch version', app: { torch: '2.9' }, path: 'ml-base-cpu', value: "torch '2.9'", fix: /supported are torch 2\.1/ },
  { name: 'unsupported python for the torch release', app: { python: '3.13' }, path: 'ml-base-cpu', value: "python '3.13'", fix: /torch 2\.4 with python 3\.8\|3\.9\|3\.10\|3\.11\|3\.12/ },
  { name: 'two volumes on one mount path', declare: (a) => { new Service(a, 'a', { image: img, volumes: [{ name: 'x', path: '/data' }, { name: 'y', path: '/data' }] }); }, path: 'a', value: "'/data'", fix: /its own mount path/ },
  { name: 'volume at a path cdk8s-ml mounts itself', declare: (a) => { new Service(a, 'a', { image: img, volumes: [{ name: 'x', path: '/tmp' }] }); }, path: 'a', value: "'/tmp'", fix: /choose another path/ },
  { name: 'relative mount path', declare: (a) => { new Service(a, 'a', { image: img, writablePaths: ['var/run'] }); }, path: 'a', value: "'var/run'", fix: /absolute path/ },
  { name: 'container port zero', declare: (a) => { new Service(a, 'a', { image: img, ports: [{ port: 0 }] }); }, path: 'a', value: 'container port 0', fix: /from 1 to 65535/ },
  { name: 'host port out of range', declare: (a) => { new Service(a, 'a', { image: img, ports: [{ port: 80, hostPort: 70000 }] }); }, path: 'a', value: '70000', fix: /from 1 to 65535/ },
  { name: 'container port declared twice', declare: (a) => { new Service(a, 'a', { image: img, ports: [{ port: 80 }, { port: 80, name: 'again' }] }); }, path: 'a', value: 'container port 80', fix: /each port once/ },
  { name: 'debug port colliding with the service port', declare: (a) => { mlService(a, 'svc', { debugPort: 8000 }); }, path: 'svc', value: 'debug port 8000', fix: /another debugPort/ },
  { name: 'cpu request above the limit', declare: (a) => { new Service(a, 'a', { image: img, cpuRequest: Cpu.units(2), cpuLimit: Cpu.units(1) }); }, path: 'a', value: 'cpu request 2', fix: /at most the limit/ },
  { name: 'memory request above the limit', declare: (a) => { new Service(a, 'a', { image: img, memoryRequest: Size.gibibytes(2), memoryLimit: Size.gibibytes(1) }); }, path: 'a', value: '2048Mi', fix: /at most the limit/ },
  { name: "image with the 'latest' tag", declare: (a) => { new Service(a, 'a', { image: 'postgres:latest' }); }, path: 'a', value: "'postgres:latest'", fix: /pin an explicit version/ },
  { name: 'service without an image', declare: (a) => { new Service(a, 'a', {}); }, path: 'a', value: "service 'a' has no image", fix: /version tag/ },
  { name: 'untagged image', declare: (a) => { new Service(a, 'a', { image: 'postgres' }); }, path: 'a', value: "'postgres'", fix: /pin an explicit version/ },
  { name: 'invalid environment variable name', declare: (a) => { new Service(a, 'a', { image: img, env: { '1FOO': 'x' } }); }, path: 'a', value: "'1FOO'", fix: /not starting with a digit/ },
  { name: 'environment variable cdk8s-ml manages', declare: (a) => { mlService(a, 'svc', { env: { OMP_NUM_THREADS: '8' } }); }, path: 'svc', value: 'OMP_NUM_THREADS', fix: /remove it from the declaration/ },
  { name: 'secret name invalid', declare: (a) => { new Service(a, 'a', { image: img, env: { PW_FILE: EnvValue.secretFile('Bad Secret', 'pw') } }); }, path: 'a', value: "'Bad Secret'", fix: /DNS-1123/ },
  { name: 'health path without a leading slash', declare: (a) => { mlService(a, 'svc', { healthPath: 'health' }); }, path: 'svc', value: "'health'", fix: /'\/health'/ },
  { name: 'health check on an undeclared port', declare: (a) => { new Service(a, 'a', { image: img, ports: [{ port: 80 }], healthCheck: HealthCheck.http('/h', { port: 81 }) }); }, path: 'a', value: '81', fix: /declare the port/ },
  { name: 'profile name not a DNS label', declare: (a) => { new Profile(a, 'GPU_large'); }, path: 'GPU_large', value: "'GPU_large'", fix: /DNS-1123/ },
  { name: 'profile declared twice', declare: (a) => { new Profile(a, 'gpu2', { name: 'gpu' }); }, path: 'gpu2', value: "'gpu'", fix: /its own name/ },
  { name: 'two default profiles', declare: (a) => { new Profile(a, 'cpu2', { default: true }); }, path: 'cpu2', value: '["cpu","cpu2"]', fix: /mark only one/ },
  { name: 'profile rendering to no target', declare: (a) => { new Profile(a, 'none', { compose: false, kubernetes: false }); }, path: 'none', value: 'compose: false, kubernetes: false', fix: /enable at least one/ },
  { name: 'dev profile rendered for Kubernetes', declare: (a) => { new Profile(a, 'dev2', { dev: true, kubernetes: true }); }, path: 'dev2', value: 'kubernetes: true', fix: /set kubernetes: false/ },
  { name: 'root user', declare: (a) => { new Service(a, 'a', { image: img, user: 0 }); }, path: 'a', value: 'user 0', fix: /from 1/ },
  { name: 'replicas with a ReadWriteOnce volume', declare: (a) => { new Service(a, 'a', { image: img, replicas: 2, volumes: [{ name: 'd', path: '/data' }] }); }, path: 'a', value: 'replicas 2', fix: /replicas: 1 or drop the volumes/ },
  { name: 'build context missing', declare: (a) => { mlService(a, 'svc', { build: 'services/nope' }); }, path: 'svc', value: "'services/nope'", fix: /create it or fix the path/ },
  { name: 'own Dockerfile breaking the BASE_IMAGE contract', declare: (a) => { fs.writeFileSync(path.join(a.rootDir, 'services/svc/Dockerfile'), 'FROM python:3.10-slim\n'); mlService(a, 'svc', { dockerfile: 'Dockerfile' }); }, path: 'svc', value: '"FROM python:3.10-slim"', fix: /ARG BASE_IMAGE=/ },
  { name: 'registry prefix invalid', app: { registry: 'https://ghcr.io/acme/' }, path: '<root>', value: "'https://ghcr.io/acme/'", fix: /no scheme/ },
  { name: 'invalid pip pin', declare: (a) => { mlService(a, 'svc', { pipPackages: { 'scikit-learn': '>=1.5' } }); }, path: 'svc', value: "'scikit-learn==>=1.5'", fix: /exact version/ },
];

describe('bad input stops the synth, names path, value and fix, and writes nothing', () => {
  test('the battery has at least 30 distinct cases', () => {
    expect(new Set(cases.map((c) => c.name)).size).toBeGreaterThanOrEqual(30);
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const root = tempRoot('svc');
    const dist = path.join(root, 'dist');
    fs.mkdirSync(path.join(dist, 'k8s'), { recursive: true });
    fs.writeFileSync(path.join(dist, 'k8s', 'previous.yaml'), 'kind: Previous\n');
    const before = readTree(dist);

    let error: unknown;
    try {
      const app = new MlApp({ rootDir: root, ...c.app });
      c.declare?.(app);
      app.synth();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeclarationError);
    const message = (error as Error).message;
    expect(message).toContain(`[${c.path}]`);
    expect(message).toContain(c.value);
    expect(message).toMatch(c.fix);
    expect(readTree(dist)).toEqual(before);
    expect(fs.readdirSync(root).sort()).toEqual(['dist', 'services']);
  });
});
