import * as fs from 'fs';
import { Size } from 'cdk8s';
import * as path from 'path';
import { BaseImage } from '../base-image';
import { minDriverMajor } from '../cuda-driver';
import { SECRETS_DIR, secretFileName } from '../env';
import { DeclarationError, DeclarationProblem, pathOf, show } from '../errors';
import { GpuKind } from '../gpu';
import { HealthCheckKind } from '../health-check';
import { ImageFlavor } from '../image-flavor';
import type { MlApp } from '../ml-app';
import { MlService } from '../ml-service';
import { Profile, profilesOf } from '../profile';
import { CACHE_DIR, Service, TMP_DIR, portName, servicesOf } from '../service';
import { checkServiceDockerfile } from './dockerfile-contract';
import {
  ResolvedBaseImage, ResolvedEnv, ResolvedProfile, ResolvedServiceImage, ResolvedStack, ResolvedWorkload,
} from './model';

/**
 * Turns the construct tree into one runtime-neutral description: every cross-construct rule is checked here, every
 * default applied here, so that renderers only translate.
 *
 * @throws DeclarationError listing every problem found, each with its construct path
 */
export function resolve(app: MlApp): ResolvedStack {
  const problems: DeclarationProblem[] = [];
  const report = (scope: Service | Profile | BaseImage | MlApp, message: string) => problems.push({ path: pathOf(scope), message });

  const services = servicesOf(app);
  const profiles = profilesOf(app);
  const baseImageConstructs = app.node.findAll().filter(BaseImage.isBaseImage);

  checkUnique(services, (s) => s.name, (s, n) => report(s, `service name '${n}' is declared twice (also at ${pathOf(services.find((o) => o.name === n)!)}): give each service its own name`));
  checkUnique(profiles, (p) => p.name, (p, n) => report(p, `profile name '${n}' is declared twice: give each profile its own name`));
  const defaults = profiles.filter((p) => p.isDefault);
  if (defaults.length > 1) {
    report(defaults[1], `profiles ${show(defaults.map((p) => p.name))} are all marked default: Compose runs one default profile, so mark only one`);
  }
  checkUnique(baseImageConstructs, (b) => b.flavor, (b, f) => report(b, `a second base image of flavor '${f}' is declared: declare one base image per flavor`));
  const baseByFlavor = new Map(baseImageConstructs.map((b) => [b.flavor, b]));

  const byName = new Map(services.map((s) => [s.name, s]));
  for (const s of services) {
    for (const d of s.dependsOn) {
      if (!byName.has(d)) report(s, `dependency '${d}' is not a declared service: declare it, or depend on one of ${show([...byName.keys()])}`);
      if (d === s.name) report(s, `service '${d}' depends on itself: remove the dependency`);
      if (!MlService.isMlService(s) && MlService.isMlService(byName.get(d))) {
        report(s, `base service '${s.name}' depends on ML service '${d}', whose Compose variants are profile-specific ('${d}-<profile>'): reach it by its alias '${d}' instead of depending on it`);
      }
    }
  }
  const cycle = findCycle(services, byName);
  if (cycle) report(byName.get(cycle[0])!, `dependency cycle ${cycle.join(' -> ')}: Compose cannot order these services, so break the cycle`);

  for (const s of services) {
    if (!MlService.isMlService(s) && s.image === undefined) report(s, `service '${s.name}' has no image: give 'image' with a version tag, e.g. 'postgres:16.4-bookworm', or declare an MlService to build one`);
  }
  const mlServices = services.filter(MlService.isMlService);
  const profileNames = new Set(profiles.map((p) => p.name));
  for (const s of mlServices) {
    for (const p of s.profiles ?? []) {
      if (!profileNames.has(p)) report(s, `profile '${p}' is not declared: use one of ${show([...profileNames])} or declare it with new Profile()`);
    }
    checkBuildContext(app, s, report);
  }
  for (const p of profiles) {
    if (!baseByFlavor.has(p.flavor)) report(p, `profile '${p.name}' needs a base image of flavor '${p.flavor}' and none is declared: declare new BaseImage(app, ..., { flavor: '${p.flavor}' })`);
  }
  if (problems.length) throw new DeclarationError(problems);

  const resolvedBases = new Map<ImageFlavor, ResolvedBaseImage>();
  for (const b of baseImageConstructs) resolvedBases.set(b.flavor, resolveBaseImage(app, b));

  const base = services.filter((s) => !MlService.isMlService(s)).map((s) => resolveBaseService(s));
  const variants: ResolvedWorkload[] = [];
  for (const s of mlServices) {
    for (const p of profiles) {
      if (s.profiles && !s.profiles.includes(p.name)) continue;
      const w = resolveVariant(app, s, p, resolvedBases.get(p.flavor)!, report);
      if (w) variants.push(w);
    }
  }
  checkHostPorts(base, variants, byName, report);
  if (problems.length) throw new DeclarationError(problems);

  return {
    name: app.name,
    namespace: app.namespace,
    outdir: app.outdir,
    profiles: profiles.map((p): ResolvedProfile => ({ name: p.name, flavor: p.flavor, compose: p.compose, kubernetes: p.kubernetes, isDefault: p.isDefault })),
    base,
    variants,
    baseImages: [...resolvedBases.values()],
    serviceImages: mlServices.map((s) => resolveServiceImage(app, s, profiles, resolvedBases)),
  };
}

function resolveBaseImage(app: MlApp, b: BaseImage): ResolvedBaseImage {
  return {
    name: b.name, flavor: b.flavor, ref: app.imageRef(b.name, b.tag), upstream: b.upstream, torch: b.torch,
    torchvision: b.torchvision, python: b.python, cuda: b.cuda, packages: b.packages, uid: b.uid,
    dir: path.posix.join(app.outdir, 'docker', 'images', b.name),
  };
}

function serviceImageRef(app: MlApp, s: MlService, flavor: ImageFlavor, dev: boolean): string {
  return app.imageRef(s.name, `${s.version}-${flavor}${dev ? '-dev' : ''}`);
}

function serviceDockerfile(app: MlApp, s: MlService): string {
  return s.dockerfile ? path.posix.join(s.build, s.dockerfile) : path.posix.join(app.outdir, 'docker', 'images', s.name, 'Dockerfile');
}

function resolveServiceImage(app: MlApp, s: MlService, profiles: Profile[], bases: Map<ImageFlavor, ResolvedBaseImage>): ResolvedServiceImage {
  const flavors = [...new Set(profiles.filter((p) => !s.profiles || s.profiles.includes(p.name)).map((p) => p.flavor))].sort();
  return {
    name: s.name, path: pathOf(s), context: s.build, dockerfile: serviceDockerfile(app, s), synthesized: !s.dockerfile,
    pipPackages: s.pipPackages, devPackages: s.devPackages, copy: s.copy, command: s.command!, port: s.ports[0].port, uid: s.user,
    defaultBase: (bases.get(ImageFlavor.CPU) ?? bases.values().next().value!).ref,
    variants: flavors.map((f) => ({ flavor: f, ref: serviceImageRef(app, s, f, false), base: bases.get(f)! })),
  };
}

function commonEnv(s: Service, gpu: boolean, ml: boolean): ResolvedEnv[] {
  const env: ResolvedEnv[] = Object.entries(s.env).map(([name, v]) => v.secretRef
    ? { name, value: `${SECRETS_DIR}/${secretFileName(v.secretRef)}`, secret: { ...v.secretRef, file: secretFileName(v.secretRef) } }
    : { name, value: v.value! });
  // The root filesystem is read-only: point every cache at the writable cache mount.
  env.push({ name: 'HOME', value: CACHE_DIR }, { name: 'XDG_CACHE_HOME', value: CACHE_DIR });
  if (ml) {
    env.push({ name: 'TORCH_HOME', value: `${CACHE_DIR}/torch` });
    // BLAS and OpenMP otherwise start one thread per host core and thrash inside a CPU limit.
    const threads = String(s.cpuLimit.toThreads());
    env.push({ name: 'OMP_NUM_THREADS', value: threads }, { name: 'MKL_NUM_THREADS', value: threads });
  }
  // The NVIDIA runtime exposes every GPU to a container whose image sets NVIDIA_VISIBLE_DEVICES=all (CUDA images do).
  if (!gpu) env.push({ name: 'NVIDIA_VISIBLE_DEVICES', value: 'void' });
  return env;
}

function resolveCommon(s: Service, gpu: boolean, ml: boolean) {
  const hc = s.healthCheck;
  const firstPort = s.ports[0]?.port;
  const env = commonEnv(s, gpu, ml);
  return {
    service: s.name,
    path: pathOf(s),
    component: s.component,
    command: s.command ? [...s.command] : undefined,
    env,
    ports: s.ports.map((p, i) => ({ name: portName(p, i), port: p.port, hostPort: p.hostPort })),
    volumes: s.volumes.map((v) => ({
      claim: `${s.name}-${v.name}`, path: v.path, sizeMiB: (v.size ?? Size.gibibytes(1)).toMebibytes(),
      readOnly: v.readOnly ?? false, storageClassName: v.storageClassName,
    })),
    scratch: [TMP_DIR, CACHE_DIR, ...s.writablePaths],
    secrets: dedupe(env.flatMap((e) => (e.secret ? [e.secret] : [])), (x) => x.file),
    shmMiB: s.shmSize?.toMebibytes(),
    cpuRequestMillis: s.cpuRequest.millis,
    cpuLimitMillis: s.cpuLimit.millis,
    memoryRequestMiB: s.memoryRequest.toMebibytes(),
    memoryLimitMiB: s.memoryLimit.toMebibytes(),
    health: hc ? {
      kind: hc.kind === HealthCheckKind.HTTP ? 'http' as const : 'command' as const,
      path: hc.path,
      port: hc.kind === HealthCheckKind.HTTP ? hc.port ?? firstPort : undefined,
      command: hc.command ?? ['curl', '-fsS', `http://127.0.0.1:${hc.port ?? firstPort}${hc.path}`],
      intervalSeconds: hc.intervalSeconds,
      startupSeconds: hc.startupSeconds,
    } : undefined,
    user: s.user,
    dependsOn: s.dependsOn,
    replicas: s.replicas,
    binds: [],
  };
}

function resolveBaseService(s: Service): ResolvedWorkload {
  return { ...resolveCommon(s, false, false), key: s.name, ml: false, image: s.image! };
}

type Report = (scope: Service | Profile | BaseImage | MlApp, message: string) => void;

function resolveVariant(app: MlApp, s: MlService, p: Profile, base: ResolvedBaseImage, report: Report): ResolvedWorkload | undefined {
  const request = p.takesGpus ? (p.gpuOverride ?? s.gpu) : undefined;
  if (request && p.compose && request.kind === GpuKind.MIG && !request.deviceIds) {
    report(s, `GPU request ${show(request.resourceName)} in profile '${p.name}' cannot render for Compose: Compose selects MIG slices only by device id, so pass GpuRequest.mig('${request.migProfile}', ${request.count}, { deviceIds: ['MIG-…'] }) or set compose: false on the profile`);
    return undefined;
  }
  const common = resolveCommon(s, request !== undefined, true);
  const ports = p.dev ? [...common.ports, { name: 'debug', port: s.debugPort, hostPort: s.debugPort }] : common.ports;
  let minDriver: number | undefined;
  if (request) {
    minDriver = minDriverMajor(base.cuda ?? '');
    if (minDriver === undefined) report(p, `CUDA ${show(base.cuda)} has no entry in the driver table: add it to CUDA_MIN_DRIVER_MAJOR or use a listed CUDA version`);
  }
  return {
    ...common,
    key: `${s.name}-${p.name}`,
    profile: p.name,
    ml: true,
    image: serviceImageRef(app, s, p.flavor, p.dev),
    build: {
      context: s.build,
      dockerfile: serviceDockerfile(app, s),
      args: { BASE_IMAGE: base.ref },
      target: p.dev ? 'dev' : 'runtime',
    },
    command: p.dev ? [...s.devCommand] : common.command,
    ports,
    binds: p.dev ? [{ source: path.posix.join(s.build, s.devSource.from), target: s.devSource.to }] : [],
    gpu: request ? { kind: request.kind, resourceName: request.resourceName, count: request.count, deviceIds: request.deviceIds } : undefined,
    scheduling: request ? {
      runtimeClassName: p.runtimeClassName, gpuProducts: [...p.gpuProducts], minGpuMemoryMiB: p.minGpuMemoryMiB, minDriverMajor: minDriver,
    } : undefined,
  };
}

function checkBuildContext(app: MlApp, s: MlService, report: Report): void {
  const context = path.join(app.rootDir, s.build);
  if (!fs.existsSync(context) || !fs.statSync(context).isDirectory()) {
    report(s, `build context ${show(s.build)} is not a folder under ${app.rootDir}: create it or fix the path`);
    return;
  }
  if (s.dockerfile) {
    const file = path.join(context, s.dockerfile);
    if (!fs.existsSync(file)) {
      report(s, `dockerfile ${show(path.posix.join(s.build, s.dockerfile))} does not exist: create it, or drop 'dockerfile' to have one synthesized`);
      return;
    }
    const problem = checkServiceDockerfile(fs.readFileSync(file, 'utf8'));
    if (problem) report(s, `dockerfile ${show(path.posix.join(s.build, s.dockerfile))} ${problem}`);
  }
  for (const c of s.copy) {
    if (!fs.existsSync(path.join(context, c.from))) report(s, `copy source ${show(path.posix.join(s.build, c.from))} does not exist: create it or fix 'copy'`);
  }
}

function checkHostPorts(base: ResolvedWorkload[], variants: ResolvedWorkload[], byName: Map<string, Service>, report: Report): void {
  // Variants of one service never run together (one profile at a time), so a host port is owned by a service.
  const owner = new Map<number, string>();
  for (const w of [...base, ...variants]) {
    for (const p of w.ports) {
      if (p.hostPort === undefined) continue;
      const o = owner.get(p.hostPort);
      if (o !== undefined && o !== w.service) {
        report(byName.get(w.service)!, `host port ${p.hostPort} is already published by service '${o}': publish a different hostPort`);
      }
      owner.set(p.hostPort, w.service);
    }
  }
}

function checkUnique<T>(items: T[], key: (t: T) => string, onDuplicate: (t: T, k: string) => void): void {
  const seen = new Set<string>();
  for (const i of items) {
    const k = key(i);
    if (seen.has(k)) onDuplicate(i, k);
    seen.add(k);
  }
}

function findCycle(services: Service[], byName: Map<string, Service>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'visiting') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'visiting');
    stack.push(n);
    for (const d of byName.get(n)?.dependsOn ?? []) {
      if (d === n || !byName.has(d)) continue;
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const s of services) {
    const c = visit(s.name);
    if (c) return c;
  }
  return undefined;
}

function dedupe<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((i) => (seen.has(key(i)) ? false : (seen.add(key(i)), true)));
}
