import * as fs from 'fs';
import * as path from 'path';
import { Duration, Size } from 'cdk8s';
import {
  ConcurrencyPolicy, Cpu, DeclarationError, Dependency, EnvValue, GpuRequest, HealthCheck, ImageFlavor, ImageSource, Job, MlApp,
  MlAppProps, Profile, Service, StatefulService,
} from '../lib';
import { mlService, readTree, tempRoot } from './helpers/fixture';

/**
 * About 180 distinct bad declarations, one per row, each of one class the library must refuse: names, ports,
 * environment, secrets, mounts, resources, GPUs, images, builds, health checks, dependencies, profiles, derived
 * names, the app, jobs and escape hatches. Each must stop the synth with a message naming the construct path, the
 * bad value and the fix, and leave the output folder as it was.
 */
type Case = [name: string, declare: (a: MlApp) => void, path: string, value: string, fix: RegExp, app?: MlAppProps];

const img = 'busybox:1.36';
const svc = (a: MlApp, id: string, props: Record<string, unknown> = {}) => new Service(a, id, { image: img, ...props });
const ml = (a: MlApp, id = 'svc', props: Record<string, unknown> = {}) => mlService(a, id, props as any);
const env = (e: Record<string, unknown>) => (a: MlApp) => { svc(a, 'a', { env: e }); };
const mount = (p: string) => (a: MlApp) => { svc(a, 'a', { writablePaths: [p] }); };
const DNS1035 = /starting with a letter and ending with a letter or digit/;

const cases: Case[] = [
  // workload names: RFC 1035 labels (Kubernetes Service names) in both runtimes
  ...(['Bad_Name', 'a'.repeat(64), '1abc', '-a', 'a-', 'a.b', 'A', 'a b', 'ä', 'web\n'] as const).map((n): Case =>
    [`workload name ${JSON.stringify(n)}`, (a) => { svc(a, 'x', { name: n }); }, 'x', JSON.stringify(n).slice(1, -1), DNS1035]),
  ['workload name empty', (a) => { svc(a, 'x', { name: '' }); }, 'x', "workload name ''", DNS1035],
  // constructs keeps children in a plain object: an id named like an Object.prototype member is refused as such
  ['workload id constructor', (a) => { svc(a, 'constructor'); }, '<root>', "workload id 'constructor'", /JavaScript object member.*'constructor-1'/],
  ['profile id constructor', (a) => { new Profile(a, 'constructor'); }, '<root>', "profile id 'constructor'", /JavaScript object member/],
  // port names: IANA service names
  ...(['a--b', 'HTTP', 'a_b', '1234', 'abcdefghijklmnop', '-a', 'a-'] as const).map((n): Case =>
    [`port name ${n}`, (a) => { svc(a, 'a', { ports: [{ port: 80, name: n }] }); }, 'a', `'${n}'`, /at most 15 lower-case letters, digits and '-', with at least one letter and no '--'/]),
  ['container port zero', (a) => { svc(a, 'a', { ports: [{ port: 0 }] }); }, 'a', 'container port 0', /from 1 to 65535/],
  ['container port above 65535', (a) => { svc(a, 'a', { ports: [{ port: 65536 }] }); }, 'a', 'container port 65536', /from 1 to 65535/],
  ['container port fractional', (a) => { svc(a, 'a', { ports: [{ port: 80.5 }] }); }, 'a', 'container port 80.5', /whole number/],
  ['container port as a string (untyped caller)', (a) => { svc(a, 'a', { ports: [{ port: '80' }] }); }, 'a', "container port '80'", /whole number/],
  ['host port out of range', (a) => { svc(a, 'a', { ports: [{ port: 80, hostPort: 70000 }] }); }, 'a', 'host port 70000', /from 1 to 65535/],
  ['container port declared twice', (a) => { svc(a, 'a', { ports: [{ port: 80 }, { port: 80, name: 'again' }] }); }, 'a', 'container port 80', /each port once/],
  ['port name used twice', (a) => { svc(a, 'a', { ports: [{ port: 80, name: 'web' }, { port: 81, name: 'web' }] }); }, 'a', "port name 'web'", /its own name/],
  ['host ip not an address', (a) => { svc(a, 'a', { ports: [{ port: 80, hostPort: 80, hostIp: 'localhost' }] }); }, 'a', "'localhost'", /'127\.0\.0\.1'/],
  ['two workloads publishing one host port', (a) => { svc(a, 'a', { ports: [{ port: 80, hostPort: 8080 }] }); svc(a, 'b', { ports: [{ port: 81, hostPort: 8080 }] }); }, 'b', 'host port 8080', /different hostPort/],
  ['an ML host port colliding with a base one', (a) => { svc(a, 'web', { ports: [{ port: 80, hostPort: 8000 }] }); ml(a, 'svc', { hostPort: 8000 }); }, 'svc', 'host port 8000', /different hostPort/],
  ['debug port colliding with a container port', (a) => { ml(a, 'svc', { debugPort: 8000 }); }, 'svc', 'dev debug port 8000', /set dev\.debugPort to another port/],
  ['debug port out of range', (a) => { ml(a, 'svc', { debugPort: 0 }); }, 'svc', 'dev debug port 0', /from 1 to 65535/],
  // environment
  ['env name starting with a digit', env({ '1FOO': 'x' }), 'a', "'1FOO'", /not starting with a digit/],
  ['env name with a dash', env({ 'A-B': 'x' }), 'a', "'A-B'", /letters, digits and '_'/],
  ['env name empty', env({ '': 'x' }), 'a', "name ''", /letters, digits and '_'/],
  ...(['HOME', 'XDG_CACHE_HOME', 'TORCH_HOME', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'NVIDIA_VISIBLE_DEVICES'] as const).map((n): Case =>
    [`env ${n}, which cdk8s-ml manages`, env({ [n]: 'x' }), 'a', n, /remove it from the declaration/]),
  ['env value a number (untyped caller)', env({ PORT: 5 }), 'a', 'PORT has value 5', /use a string/],
  ['env value null (untyped caller)', env({ PORT: null }), 'a', 'PORT has value null', /use a string/],
  ['env value with a NUL', env({ X: 'a\u0000b' }), 'a', "'a\\u0000b'", /control character/],
  ['env value with an escape sequence', env({ X: '\u001b[31m' }), 'a', "'\\u001b[31m'", /control character/],
  ['env value with a line separator', env({ X: 'a\u2028b' }), 'a', "'a\\u2028b'", /control character/],
  ...(['DB_PASSWORD', 'API_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'SIGNING_KEY', 'PASSWD'] as const).map((n): Case =>
    [`literal credential in ${n}`, env({ [n]: 'hunter2' }), 'a', n, /EnvValue\.secretFile\(.*notACredential: true/]),
  ['template referring to an undeclared variable', env({ URL: EnvValue.expand('http://${HOST}/x') }), 'a', '${HOST}', /declare HOST/],
  ['template referring to itself', env({ A: EnvValue.expand('${A}x') }), 'a', 'A refers to itself', /break the cycle/],
  ['variable added twice', (a) => { svc(a, 'a', { env: { X: '1' } }).addEnv('X', '2'); }, 'a', 'X is declared twice', /each variable once/],
  // secrets
  ...(['Bad Secret', 'a_b', '-a', 'A', 'a..b'] as const).map((n): Case =>
    [`secret name ${JSON.stringify(n)}`, env({ PW_FILE: EnvValue.secretFile(n, 'pw') }), 'a', `'${n}'`, /DNS-1123 subdomain/]),
  ...(['..', '.', '..data', 'a/b', 'a b', ''] as const).map((k): Case =>
    [`secret key ${JSON.stringify(k)}`, env({ PW_FILE: EnvValue.secretFile('db', k) }), 'a', `'${k}'`, /letters, digits, '-', '_' and '\.'/]),
  ['secret keys differing only in case', env({ A_FILE: EnvValue.secretFile('db', 'Password'), B_FILE: EnvValue.secretFile('db', 'password') }), 'a', "'Password' and 'password'", /rename one key/],
  // mounts
  ...(['/', '/proc', '/proc/self', '/sys', '/dev', '/etc', '/usr', '/run'] as const).map((p): Case =>
    [`mount at ${p}`, mount(p), 'a', `'${p}'`, /container runtime owns/]),
  ...(['relative/path', '/a/../b', '/a/', '/a//b', '/a/./b', '/a:b', '/a,b', '/a\nb'] as const).map((p): Case =>
    [`mount path ${JSON.stringify(p)}`, mount(p), 'a', JSON.stringify(p).slice(1, -1).replace(/^/, "'").replace(/$/, "'"), /clean absolute path/]),
  ...(['/tmp', '/cache', '/dev/shm', '/run/secrets', '/run/secrets/db'] as const).map((p): Case =>
    [`mount at ${p}, which cdk8s-ml mounts`, (a) => { svc(a, 'a', { volumes: [{ name: 'x', path: p }] }); }, 'a', `'${p}'`, /choose another path/]),
  ['two volumes on one path', (a) => { svc(a, 'a', { volumes: [{ name: 'x', path: '/data' }, { name: 'y', path: '/data' }] }); }, 'a', "'/data'", /its own mount path/],
  ['volume name not a DNS label', (a) => { svc(a, 'a', { volumes: [{ name: 'Data', path: '/data' }] }); }, 'a', "'Data'", /DNS-1123 label/],
  ['storage class name with a space', (a) => { svc(a, 'a', { volumes: [{ name: 'd', path: '/data', storageClassName: 'fast ssd' }] }); }, 'a', "'fast ssd'", /DNS-1123 subdomain/],
  ['a dev bind mount on the model directory', (a) => { ml(a, 'svc', { devSource: { from: 'app', to: '/app/models' } }); }, 'svc', "'/app/models' overlaps volume 'models'", /set devSource/],
  // resources
  ['cpu Cpu.units(1e21)', (a) => { svc(a, 'a', { cpuLimit: Cpu.units(1e21) }); }, 'a', 'cpu limit', /at most a million CPUs/],
  ['cpu zero', (a) => { svc(a, 'a', { cpuRequest: Cpu.millis(0) }); }, 'a', "cpu request '0m'", /at least 1 millicore/],
  ['cpu half a millicore', (a) => { svc(a, 'a', { cpuRequest: Cpu.millis(0.5) }); }, 'a', "cpu request '0.5m'", /at least 1 millicore/],
  ['cpu as a string (untyped caller)', (a) => { svc(a, 'a', { cpuLimit: '500m' }); }, 'a', "cpu limit '500m'", /Cpu\.millis\(n\)/],
  ['cpu request above the limit', (a) => { svc(a, 'a', { cpuRequest: Cpu.units(2), cpuLimit: Cpu.units(1) }); }, 'a', 'cpu request 2', /at most the limit/],
  ['memory not a whole MiB', (a) => { svc(a, 'a', { memoryLimit: Size.kibibytes(600000) }); }, 'a', "'600000 kibibytes'", /whole numbers/],
  ['memory below Docker\'s minimum', (a) => { svc(a, 'a', { memoryRequest: Size.mebibytes(2) }); }, 'a', "memory request '2Mi'", /at least 6 MiB/],
  ['memory request above the limit', (a) => { svc(a, 'a', { memoryRequest: Size.gibibytes(2), memoryLimit: Size.gibibytes(1) }); }, 'a', '2048Mi', /at most the limit/],
  ['memory as a number (untyped caller)', (a) => { svc(a, 'a', { memoryLimit: 512 }); }, 'a', 'memory limit 512', /Size\.mebibytes/],
  ['shm size zero', (a) => { svc(a, 'a', { shmSize: Size.mebibytes(0) }); }, 'a', "shm size '0Mi'", /at least 1 MiB/],
  ['shm size not below the memory limit', (a) => { ml(a, 'svc', { memoryRequest: Size.mebibytes(256), memoryLimit: Size.mebibytes(512), shmSize: Size.gibibytes(1) }); }, 'svc', '512Mi', /raise memoryLimit above the shm size/],
  ['volume size below 1 MiB', (a) => { svc(a, 'a', { volumes: [{ name: 'd', path: '/data', size: Size.kibibytes(512) }] }); }, 'a', "'512 kibibytes'", /whole numbers/],
  // GPUs
  ['GPU count zero', (a) => { ml(a, 'svc', { gpu: GpuRequest.whole(0) }); }, 'svc', 'gpu count of gpu 0', /GpuRequest\.none\(\)|whole number from 1 to 64/],
  ['GPU count fractional', (a) => { ml(a, 'svc', { gpu: GpuRequest.whole(1.5) }); }, 'svc', '1.5', /whole number/],
  ['GPU count above 64', (a) => { ml(a, 'svc', { gpu: GpuRequest.whole(65) }); }, 'svc', '65', /from 1 to 64/],
  ['MIG profile that does not exist', (a) => { ml(a, 'svc', { gpu: GpuRequest.mig('5g.20gb') }); }, 'svc', "'5g.20gb'", /use one of 1g\.6gb/],
  ['MIG profile malformed', (a) => { ml(a, 'svc', { gpu: GpuRequest.mig('1g') }); }, 'svc', "'1g'", /1g\.5gb/],
  ['MIG device ids not one per slice', (a) => { ml(a, 'svc', { gpu: GpuRequest.mig('1g.5gb', 2, { deviceIds: ['MIG-5c4c3a6e-0d8c-5b1e-9e6a-0b0a4e4c6f10'] }) }); }, 'svc', '2 slice(s) lists 1 device id(s)', /one MIG device UUID per slice/],
  ['MIG device id malformed', (a) => { ml(a, 'svc', { gpu: GpuRequest.mig('1g.5gb', 1, { deviceIds: ['GPU-0'] }) }); }, 'svc', "'GPU-0'", /nvidia-smi -L/],
  ['MIG device id listed twice', (a) => { const id = 'MIG-5c4c3a6e-0d8c-5b1e-9e6a-0b0a4e4c6f10'; ml(a, 'svc', { gpu: GpuRequest.mig('1g.5gb', 2, { deviceIds: [id, id] }) }); }, 'svc', 'MIG-5c4c3a6e', /its own device/],
  ['shared GPU named nvidia.com/gpu', (a) => { ml(a, 'svc', { gpu: GpuRequest.shared(4, { resourceName: 'nvidia.com/gpu' }) }); }, 'svc', "'nvidia.com/gpu'", /renamed resource/],
  ['shared GPU resource name malformed', (a) => { ml(a, 'svc', { gpu: GpuRequest.shared(2, { resourceName: 'gpu shared' }) }); }, 'svc', "'gpu shared'", /'<domain>\/<name>'/],
  ['GPU resource in a reserved domain', (a) => { ml(a, 'svc', { gpu: GpuRequest.shared(2, { resourceName: 'kubernetes.io/gpu' }) }); }, 'svc', "'kubernetes.io/gpu'", /domain Kubernetes reserves/],
  ['gpu as a number (untyped caller)', (a) => { ml(a, 'svc', { gpu: 1 }); }, 'svc', 'gpu 1 is not a GpuRequest', /GpuRequest\.whole\(n\)/],
  ['profile overriding GPUs with none', (a) => { new Profile(a, 'p', { flavor: ImageFlavor.CUDA, gpu: GpuRequest.none() }); }, 'p', 'GpuRequest.none()', /gpus: false/],
  ['profile GPU count negative', (a) => { new Profile(a, 'big', { flavor: ImageFlavor.CUDA, gpu: GpuRequest.whole(-2) }); }, 'big', '-2', /whole number/],
  ['MIG under Compose without device ids', (a) => { new Profile(a, 'mig', { flavor: ImageFlavor.CUDA, gpu: GpuRequest.mig('1g.5gb') }); ml(a); }, 'svc', "'nvidia.com/mig-1g.5gb'", /deviceIds/],
  ['gpuByProfile naming an undeclared profile', (a) => { ml(a, 'svc', { gpuByProfile: { 'gpu-xl': GpuRequest.whole(2) } }); }, 'svc', "'gpu-xl'", /declare it with new Profile/],
  // images
  ["image with the 'latest' tag", (a) => { svc(a, 'a', { image: 'postgres:latest' }); }, 'a', "'postgres:latest'", /pin an explicit version/],
  ['untagged image', (a) => { svc(a, 'a', { image: 'postgres' }); }, 'a', "'postgres'", /pin an explicit version/],
  ['image with upper case', (a) => { svc(a, 'a', { image: 'Postgres:16' }); }, 'a', "'Postgres:16'", /\[registry\/\]name:tag/],
  ['image with a space', (a) => { svc(a, 'a', { image: 'a b:1' }); }, 'a', "'a b:1'", /\[registry\/\]name:tag/],
  ['no image', (a) => { new Service(a, 'a', {}); }, 'a', "workload 'a' has no image", /ImageSource\.mlBuild/],
  ['image a number (untyped caller)', (a) => { svc(a, 'a', { image: 5 }); }, 'a', 'image 5', /ImageSource/],
  ['image tag too long for the version label', (a) => { svc(a, 'a', { image: `busybox:${'1'.repeat(70)}` }); }, 'a', '1111111111', /shorter tag/],
  // ML builds
  ['absolute build context', (a) => { ml(a, 'svc', { build: '/srv/svc' }); }, 'svc', "'/srv/svc'", /relative path/],
  ['build context outside the root', (a) => { ml(a, 'svc', { build: '../svc' }); }, 'svc', "'../svc'", /without '\.' or '\.\.'/],
  ['build context missing', (a) => { ml(a, 'svc', { build: 'services/nope' }); }, 'svc', "'services/nope'", /create it or fix the path/],
  ['build context with a space', (a) => { ml(a, 'svc', { build: 'services/my svc' }); }, 'svc', "'services/my svc'", /letters, digits/],
  ['copy destination with a newline', (a) => { ml(a, 'svc', { copy: [{ from: 'app', to: '/app\nRUN curl evil' }] }); }, 'svc', "'/app\\nRUN curl evil'", /clean absolute path/],
  ['copy destination relative', (a) => { ml(a, 'svc', { copy: [{ from: 'app', to: 'app' }] }); }, 'svc', "copy destination 'app'", /clean absolute path/],
  ['copy source outside the context', (a) => { ml(a, 'svc', { copy: [{ from: '../secret', to: '/app' }] }); }, 'svc', "'../secret'", /relative path/],
  ['copy source missing', (a) => { ml(a, 'svc', { copy: [{ from: 'missing', to: '/app/missing' }] }); }, 'svc', "'services/svc/missing'", /fix 'copy'/],
  ['own Dockerfile missing', (a) => { ml(a, 'svc', { dockerfile: 'Dockerfile' }); }, 'svc', "'services/svc/Dockerfile'", /create it, or drop 'dockerfile'/],
  ['own Dockerfile is a folder', (a) => { fs.mkdirSync(path.join(a.rootDir, 'services/svc/Dockerfile.d')); ml(a, 'svc', { dockerfile: 'Dockerfile.d' }); }, 'svc', "'services/svc/Dockerfile.d'", /not a file/],
  ['own Dockerfile breaking the BASE_IMAGE contract', (a) => { fs.writeFileSync(path.join(a.rootDir, 'services/svc/Dockerfile'), 'FROM python:3.10-slim\n'); ml(a, 'svc', { dockerfile: 'Dockerfile' }); }, 'svc', '"FROM python:3.10-slim"', /ARG BASE_IMAGE=/],
  ['pip pin with a range', (a) => { ml(a, 'svc', { pipPackages: { 'scikit-learn': '>=1.5' } }); }, 'svc', "'scikit-learn==>=1.5'", /exact version/],
  ['pip name with a space', (a) => { ml(a, 'svc', { pipPackages: { 'scikit learn': '1.5.2' } }); }, 'svc', "'scikit learn==1.5.2'", /exact version/],
  ['pip pin injecting a flag', (a) => { ml(a, 'svc', { pipPackages: { x: '1.0 --index-url=http://evil' } }); }, 'svc', '--index-url', /exact version/],
  ['dev package pin invalid', (a) => { ml(a, 'svc', { devPackages: { debugpy: 'latest' } }); }, 'svc', "'debugpy==latest'", /exact version/],
  ['version with a space', (a) => { ml(a, 'svc', { version: '1 0' }); }, 'svc', "version '1 0'", /'1\.0\.0-RC1'/],
  ['version too long for a label', (a) => { ml(a, 'svc', { version: '1'.repeat(60) }); }, 'svc', '1111-2.5-cuda12.4-dev', /label value/],
  ['no command for a synthesized Dockerfile', (a) => { new Service(a, 'w', { image: ImageSource.mlBuild({ context: 'services/svc' }) }); }, 'w', "workload 'w' is built", /give 'command'/],
  // health checks
  ['health path without a slash', (a) => { ml(a, 'svc', { healthPath: 'health' }); }, 'svc', "'health'", /'\/health'/],
  ['health path with a quote', (a) => { ml(a, 'svc', { healthPath: "/h'); import os; os.system('x" }); }, 'svc', 'import os', /no quotes or spaces/],
  ['health path with a space', (a) => { ml(a, 'svc', { healthPath: '/a b' }); }, 'svc', "'/a b'", /no quotes or spaces/],
  ['health path with a newline', (a) => { ml(a, 'svc', { healthPath: '/a\nb' }); }, 'svc', "'/a\\nb'", /absolute URL path/],
  ['health check on an undeclared port', (a) => { svc(a, 'a', { ports: [{ port: 80 }], healthCheck: HealthCheck.http('/h', { port: 81 }) }); }, 'a', '81', /declare the port/],
  ['startup shorter than the interval', (a) => { svc(a, 'a', { ports: [{ port: 80 }], healthCheck: HealthCheck.http('/h', { interval: Duration.minutes(2), startupTimeout: Duration.seconds(30) }) }); }, 'a', 'startup timeout 30s', /at least one interval/],
  ['health interval below a second', (a) => { svc(a, 'a', { ports: [{ port: 80 }], healthCheck: HealthCheck.http('/h', { interval: Duration.millis(500) }) }); }, 'a', "'500 millis'", /Duration\.seconds\(n\)/],
  ['health command empty', (a) => { svc(a, 'a', { healthCheck: HealthCheck.command([]) }); }, 'a', 'health check command []', /non-empty list/],
  ['health command with a control character', (a) => { svc(a, 'a', { healthCheck: HealthCheck.command(['pg_isready\u0007']) }); }, 'a', "'pg_isready\\u0007'", /control character/],
  ['health check a string (untyped caller)', (a) => { svc(a, 'a', { healthCheck: '/health' }); }, 'a', "'/health'", /HealthCheck\.http/],
  // dependencies
  ['dependency on an undeclared workload', (a) => { svc(a, 'a', { dependsOn: ['redis'] }); }, 'a', "'redis'", /declare it/],
  ['dependency cycle', (a) => { svc(a, 'a', { dependsOn: ['b'] }); svc(a, 'b', { dependsOn: ['a'] }); }, 'a', 'a -> b -> a', /break the cycle/],
  ['dependency on itself', (a) => { svc(a, 'a', { dependsOn: ['a'] }); }, 'a', "'a' depends on itself", /remove the dependency/],
  ['dependency a number (untyped caller)', (a) => { svc(a, 'a', { dependsOn: [5] }); }, 'a', 'dependency 5', /pass the construct or its name/],
  ['dependency missing from a profile', (a) => { const g = ml(a, 'big', { profiles: ['gpu'] }); ml(a, 'small', { dependsOn: [g] }); }, 'small', "dependency 'big'", /Dependency\.optional\('big'\)/],
  ['optional dependency on an undeclared workload', (a) => { svc(a, 'a', { dependsOn: [Dependency.optional('nope')] }); }, 'a', "'nope'", /declare it/],
  ['unknown profile in a workload', (a) => { ml(a, 'svc', { profiles: ['gpu-xl'] }); }, 'svc', "'gpu-xl'", /declare it with new Profile/],
  ['empty profile list', (a) => { ml(a, 'svc', { profiles: [] }); }, 'svc', 'profiles []', /at least one profile/],
  // profiles
  ['profile name not a DNS label', (a) => { new Profile(a, 'GPU_large'); }, 'GPU_large', "'GPU_large'", /DNS-1123/],
  ['profile name too long', (a) => { new Profile(a, 'p', { name: 'p'.repeat(41) }); }, 'p', 'p'.repeat(41), /at most 40/],
  ['profile declared twice', (a) => { new Profile(a, 'gpu2', { name: 'gpu' }); }, 'gpu2', "'gpu'", /its own name/],
  ['two default profiles', (a) => { new Profile(a, 'cpu2', { default: true }); }, 'cpu2', '["cpu","cpu2"]', /mark only one/],
  ['profile rendering to no target', (a) => { new Profile(a, 'none', { compose: false, kubernetes: false }); }, 'none', 'compose: false, kubernetes: false', /enable at least one/],
  ['profile with an empty target list', (a) => { new Profile(a, 'none', { targets: [] }); }, 'none', '[]', /enable at least one/],
  ['profile listing a target twice', (a) => { new Profile(a, 'twice', { targets: ['compose', 'compose'] }); }, 'twice', '["compose","compose"]', /list each once/],
  ['profile with targets and a shorthand', (a) => { new Profile(a, 'both', { targets: ['compose'], kubernetes: false }); }, 'both', "'both'", /list the targets only/],
  ['profile naming an unknown target', (a) => { new Profile(a, 'edge', { targets: ['nomad'] }); }, 'edge', "'nomad'", /\["compose","kubernetes"\]/],
  ['profile naming an app target', (a) => { new Profile(a, 'img', { targets: ['docker'] }); }, 'img', "'docker'", /not a profile target/],
  ['dev profile rendered for Kubernetes', (a) => { new Profile(a, 'dev2', { dev: true, kubernetes: true }); }, 'dev2', 'kubernetes: true', /set kubernetes: false/],
  ['GPUs in a profile without CUDA', (a) => { new Profile(a, 'x', { gpu: GpuRequest.whole(1) }); }, 'x', "'cpu'", /ImageFlavor\.CUDA/],
  ['GPU node selection without GPUs', (a) => { new Profile(a, 'x', { gpuProducts: ['NVIDIA-A100'] }); }, 'x', 'but takes no GPUs', /drop the GPU node selection/],
  ['GPU product not a label value', (a) => { new Profile(a, 'x', { flavor: ImageFlavor.CUDA, gpuProducts: ['NVIDIA A100'] }); }, 'x', "'NVIDIA A100'", /label value/],
  ['minimum GPU memory zero', (a) => { new Profile(a, 'x', { flavor: ImageFlavor.CUDA, minGpuMemoryMiB: 0 }); }, 'x', 'minGpuMemoryMiB 0', /whole number of MiB/],
  ['runtime class not a DNS name', (a) => { new Profile(a, 'x', { flavor: ImageFlavor.CUDA, runtimeClassName: 'Nvidia Runtime' }); }, 'x', "'Nvidia Runtime'", /DNS-1123 subdomain/],
  ['unknown image flavor', (a) => { new Profile(a, 'x', { flavor: 'rocm' as any }); }, 'x', "'rocm'", /'cpu' or 'cuda'/],
  ['default profile not rendered for Compose', (a) => { new Profile(a, 'x', { compose: false, default: true }); }, 'x', "'x' is the default", /compose: true or default: false/],
  ['no profile at all', () => undefined, '<root>', 'declares no profile', /new Profile\(app/, { builtInProfiles: false }],
  ['profile id used twice', (a) => { new Profile(a, 'p'); new Profile(a, 'p'); }, '<root>', "profile id 'p'", /its own id/],
  // derived names must be injective
  ['two volumes deriving one claim name', (a) => { svc(a, 'a', { volumes: [{ name: 'b-data', path: '/x' }] }); svc(a, 'a-b', { volumes: [{ name: 'data', path: '/y' }] }); }, 'a-b', "'a-b-data'", /rename one of the workloads or volumes/],
  ['a stateful claim colliding with another claim', (a) => { new StatefulService(a, 'pg', { image: img, volumes: [{ name: 'data', path: '/d' }] }); svc(a, 'data', { volumes: [{ name: 'pg-0', path: '/e' }] }); }, 'data', "'data-pg-0'", /rename one/],
  ['a Compose key derived twice', (a) => { ml(a, 'svc'); svc(a, 'svc-gpu', { dependsOn: [] }); new Profile(a, 'x'); }, 'svc', "'svc-gpu'", /rename one workload or profile/],
  ['a workload named like a base image', (a) => { ml(a, 'x', { name: 'ml-base-cpu' }); }, 'x', "'docker/images/ml-base-cpu'", /rename one/],
  ['a workload whose bake target is a base image\'s', (a) => { ml(a, 'ml-base'); }, 'ml-base', "bake target 'ml-base-cpu'", /rename one/],
  ['a workload name declared twice', (a) => { svc(a, 'a', { name: 'db' }); svc(a, 'b', { name: 'db' }); }, 'b', "'db'", /its own name/],
  ['a workload id used twice', (a) => { svc(a, 'a'); svc(a, 'a'); }, '<root>', "workload id 'a'", /its own id/],
  // the app
  ['registry with a scheme', () => undefined, '<root>', "'https://ghcr.io/acme/'", /no scheme/, { registry: 'https://ghcr.io/acme/' }],
  ['app name not a DNS label', () => undefined, '<root>', "'Geo Stack'", /DNS-1123/, { name: 'Geo Stack' }],
  ['namespace not a DNS label', () => undefined, '<root>', "'ml_prod'", /DNS-1123/, { namespace: 'ml_prod' }],
  ['absolute outdir', () => undefined, '<root>', "'/tmp/out'", /inside rootDir/, { outdir: '/tmp/out' }],
  ['outdir outside the root', () => undefined, '<root>', "'../out'", /inside rootDir/, { outdir: '../out' }],
  ['outdir the root itself', () => undefined, '<root>', "'./'", /other than rootDir itself/, { outdir: './' }],
  ['unsupported torch/CUDA pair', () => undefined, 'ml-base-cuda', "cuda '12.6'", /torch 2\.4 with cuda 11\.8\|12\.1\|12\.4/, { cuda: '12.6' }],
  ['unknown torch version', () => undefined, 'ml-base-cpu', "torch '2.9'", /supported are torch 2\.1/, { torch: '2.9' }],
  ['python the torch release has no wheels for', () => undefined, 'ml-base-cpu', "python '3.13'", /torch 2\.4 with python 3\.8\|3\.9\|3\.10\|3\.11\|3\.12/, { python: '3.13' }],
  ['torch without a CUDA 12.4 image', () => undefined, 'ml-base-cuda', "torch '2.3' with cuda '12.4'", /torch 2\.3 with cuda 11\.8\|12\.1/, { torch: '2.3', cuda: '12.4' }],
  // kinds
  ['service replicas zero', (a) => { svc(a, 'a', { replicas: 0 }); }, 'a', 'replicas 0', /from 1 to 1000/],
  ['service replicas fractional', (a) => { svc(a, 'a', { replicas: 1.5 }); }, 'a', 'replicas 1.5', /whole number/],
  ['replicas sharing a ReadWriteOnce claim', (a) => { svc(a, 'a', { replicas: 2, volumes: [{ name: 'd', path: '/data' }] }); }, 'a', 'replicas 2', /StatefulService/],
  ['stateful replicas above the limit', (a) => { new StatefulService(a, 's', { image: img, replicas: 5000 }); }, 's', 'replicas 5000', /from 1 to 1000/],
  ['job schedule not cron', (a) => { new Job(a, 'j', { image: img, schedule: 'every day' }); }, 'j', "'every day'", /'0 3 \* \* \*'/],
  ['job backoff limit negative', (a) => { new Job(a, 'j', { image: img, backoffLimit: -1 }); }, 'j', 'backoffLimit -1', /from 0 to 100/],
  ['job deadline not whole seconds', (a) => { new Job(a, 'j', { image: img, activeDeadline: Duration.millis(1500) }); }, 'j', 'activeDeadline', /whole number/],
  ['job concurrency policy unknown', (a) => { new Job(a, 'j', { image: img, schedule: '@daily', concurrencyPolicy: 'Sometimes' as ConcurrencyPolicy }); }, 'j', "'Sometimes'", /ConcurrencyPolicy\.FORBID/],
  ['job with a health check', (a) => { new Job(a, 'j', { image: img, ports: [{ port: 80 }], healthCheck: HealthCheck.http('/h') }); }, 'j', 'a job has a health check', /drop healthCheck/],
  ['component not a DNS label', (a) => { svc(a, 'a', { component: 'Web UI' }); }, 'a', "'Web UI'", /DNS-1123/],
  ['user root', (a) => { svc(a, 'a', { user: 0 }); }, 'a', 'user 0', /from 1/],
  ['command empty', (a) => { svc(a, 'a', { command: [] }); }, 'a', 'command []', /non-empty list of strings/],
  ['command argument a number (untyped caller)', (a) => { svc(a, 'a', { command: ['sleep', 5] }); }, 'a', '["sleep",5]', /list of strings/],
  ['command argument with a control character', (a) => { svc(a, 'a', { command: ['echo', 'a\u0000'] }); }, 'a', "'a\\u0000'", /control character/],
  // escape hatches
  ['a manifest for an undeclared profile', (a) => { a.addManifest('prod', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }); }, '<root>', "'prod'", /use one of \["cpu","gpu","dev"\]/],
  ['a manifest for a profile without Kubernetes', (a) => { a.addManifest('dev', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }); }, '<root>', "'dev'", /add 'kubernetes' to its targets/],
  ['a manifest with an invalid name', (a) => { a.addManifest('cpu', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x_y' } }); }, '<root>', '"x_y"', /fix it/],
  ['an override for an undeclared profile', (a) => { svc(a, 'a').addComposeOverride({ labels: { a: 'b' } }, { profile: 'prod' }); }, 'a', "'prod'", /use one of/],
];

function runCase(c: Case): { error: unknown; before: Map<string, string>; dist: string; root: string } {
  const root = tempRoot('svc');
  const dist = path.join(root, 'dist');
  fs.mkdirSync(path.join(dist, 'k8s'), { recursive: true });
  fs.writeFileSync(path.join(dist, '.cdk8s-ml-output'), '# Written by cdk8s-ml\n');
  fs.writeFileSync(path.join(dist, 'k8s', 'previous.yaml'), 'kind: Previous\n');
  const before = readTree(dist);
  let error: unknown;
  try {
    const app = new MlApp({ rootDir: root, ...c[5] });
    c[1](app);
    app.synth();
  } catch (e) {
    error = e;
  }
  return { error, before, dist, root };
}

describe('bad input stops the synth, names path, value and fix, and writes nothing', () => {
  test.each(cases.map((c) => [c[0], c] as const))('%s', (_, c) => {
    const { error, before, dist, root } = runCase(c);
    expect(DeclarationError.isDeclarationError(error)).toBe(true);
    const e = error as DeclarationError;
    const problem = e.problems.find((p) => p.path === c[2] && p.message.includes(c[3]));
    expect({ problems: e.problems, found: problem !== undefined }).toEqual({ problems: e.problems, found: true });
    expect(problem!.message).toMatch(c[4]);
    expect(readTree(dist)).toEqual(before);
    expect(fs.readdirSync(root).sort()).toEqual(['dist', 'services']);
  });

  test('every case of the battery is distinct', () => {
    expect(new Set(cases.map((c) => c[0])).size).toBe(cases.length);
  });
});

describe('one clean report', () => {
  test('every problem of the app, constructor checks included, comes in one error, each with its path', () => {
    const app = new MlApp({ rootDir: tempRoot('svc') });
    svc(app, 'Bad_Name');
    svc(app, 'b', { ports: [{ port: 0 }], env: { '1X': 'y' }, cpuLimit: '1' });
    ml(app, 'svc', { gpu: GpuRequest.mig('5g.20gb') });
    new Profile(app, 'GPU');
    let error: any;
    try {
      app.synthFiles();
    } catch (e) {
      error = e;
    }
    // in construct-path order (the profile 'GPU' sorts before lower-case paths)
    expect(error.problems.map((p: any) => p.path)).toEqual(['Bad_Name', 'GPU', 'b', 'b', 'b', 'svc']);
    expect(error.message.split('\n')).toHaveLength(6);
    // cdk8s users see the same problems through the constructs' validations
    expect(app.node.findChild('b').node.validate().length).toBe(3);
  });
});
