import * as fs from 'fs';
import * as path from 'path';
import type { BaseImage } from '../base-image';
import { DRIVER_MAJOR_LABEL, minDriverMajor } from '../cuda-driver';
import { deepFreeze } from '../deep-freeze';
import { EnvValue, expandTemplate, secretPath } from '../env';
import { selectBase } from '../base-selection';
import { FETCHER_PATH } from '../model-source';
import { DeclarationError, DeclarationProblem, pathOf, recordedProblems, show } from '../errors';
import { GpuRequest } from '../gpu';
import { HealthCheckKind } from '../health-check';
import { ImageFlavor } from '../image-flavor';
import type { MlApp } from '../ml-app';
import type { Profile } from '../profile';
import { TargetFiles, renderTargets, targetsByName } from '../targets/registry';
import { EmitFile, contentText } from '../targets/target';
import type { KubernetesPolicy } from '../targets/kubernetes/policies/policy';
import { Dependency } from '../workloads/dependency';
import { CACHE_DIR, MODELS_DIR, TMP_DIR, Workload, portName } from '../workloads/workload';
import { MissingPeerError } from '../optional-module';
import { checkServiceDockerfile } from './dockerfile-contract';
import { modelEgress } from './model-egress';
import {
  ResolvedBaseImage, ResolvedContainer, ResolvedDependency, ResolvedEnv, ResolvedHealth, ResolvedManifest, ResolvedServiceImage, ResolvedStack,
  ResolvedWorkload,
} from './model';


type Report = (scope: { node: { path: string } } | string, message: string) => void;

/**
 * The parts of an app the resolver reads, so that MlApp can hand them over without the resolver importing it.
 * @internal
 */
export interface AppDeclaration {
  readonly app: MlApp;
  readonly workloads: Workload[];
  readonly profiles: Profile[];
  readonly baseImages: BaseImage[];
  readonly manifests: Array<{ profile: string; object: Record<string, unknown>; unknownKind?: 'namespaced' | 'cluster' }>;
  readonly policies: ResolvedContainer['policies'];
}

/** The id of NetworkIsolationPolicy, which isolates workloads by the dependency graph. */
const NETWORK_ISOLATION = 'network-isolation';

/** What an ML build copies into its image when it does not say. */
const DEFAULT_COPY: ReadonlyArray<{ readonly from: string; readonly to: string }> = Object.freeze([Object.freeze({ from: 'app', to: '/app/app' })]);

/**
 * Turns the construct tree into one runtime-neutral model: every cross-construct rule is checked here, every
 * default applied here, so that targets only translate. Target-specific checks run after, in the targets.
 *
 * @throws DeclarationError listing every problem found in the app, each with its construct path
 * @internal
 */
export function resolve(decl: AppDeclaration): ResolvedStack {
  pool = new Map();
  try {
    return resolveApp(decl);
  } finally {
    pool = undefined;
  }
}

/*
 * Equal parts of many workloads (an environment, a command, a health check) are one frozen object in the model, so
 * that a target makes its output for it once (targets/shared-parts.ts). The pool lives for one resolution.
 */
let pool: Map<string, object> | undefined;

function interned<T extends object>(part: T): T {
  const key = JSON.stringify(part);
  const known = pool?.get(key) as T | undefined;
  if (known !== undefined) return known;
  pool?.set(key, deepFreeze(part));
  return part;
}

function resolveApp(decl: AppDeclaration): ResolvedStack {
  const { app, profiles, baseImages } = decl;
  const problems: DeclarationProblem[] = [...recordedProblems(app)];
  const report: Report = (scope, message) => problems.push({ path: typeof scope === 'string' ? scope : pathOf(scope as any), message });
  /*
   * One report: every stage runs, and the synth stops once, with every problem of the app ordered by construct path.
   * A workload with a problem is left out of the later stages (its values may not be what they expect, and what they
   * would say of it would only repeat the problem); the others go on. Names stay known, so that depending on a
   * workload that has a problem is not reported again as depending on an undeclared one.
   */
  const broken = new Set<string>();
  const markBroken = () => {
    const at = new Set(problems.map((p) => p.path));
    for (const w of decl.workloads) if (!broken.has(w.name) && w.node.findAll().some((c) => at.has(pathOf(c)))) broken.add(w.name);
    // a workload on the image of one with a problem has no image to resolve
    for (const w of decl.workloads) if (w.imageSource?.sameAs !== undefined && broken.has(w.imageSource.sameAs)) broken.add(w.name);
  };
  markBroken();
  let workloads = decl.workloads.filter((w) => !broken.has(w.name));
  const narrow = () => {
    markBroken();
    workloads = workloads.filter((w) => !broken.has(w.name));
  };
  const stopIfProblems = () => {
    if (problems.length) throw new DeclarationError(ordered(dedupe(problems, (p) => `${p.path}\u0000${p.message}`)));
  };

  checkUnique(workloads, (w) => w.name, (w, n, first) => report(w, `workload name '${n}' is declared twice (also at ${pathOf(first)}): give each workload its own name`));
  checkUnique(profiles, (p) => p.name, (p, n, first) => report(p, `profile name '${n}' is declared twice (also at ${pathOf(first)}): give each profile its own name`));
  const defaults = profiles.filter((p) => p.isDefault);
  if (defaults.length > 1) report(defaults[1], `profiles ${show(defaults.map((p) => p.name))} are all marked default: Compose runs one default profile, so mark only one`);
  checkUnique(baseImages, (b) => app.imageRef(b.name, b.tag), (b, r, first) => report(b, `base image ${show(r)} is declared twice (also at ${pathOf(first)}): declare each version once`));
  const baseByFlavor = new Map(baseImages.map((b) => [b.flavor, b]));
  const profileNames = profiles.map((p) => p.name);
  const targets = targetsByName();
  for (const p of profiles) {
    for (const t of p.targets) {
      const target = targets.get(t);
      if (!target || target.scope !== 'profile') report(p, `target ${show(t)} is not a profile target: use ${show([...targets.values()].filter((x) => x.scope === 'profile').map((x) => x.name))}`);
    }
  }
  if (profiles.length === 0) report(app, 'the app declares no profile: keep builtInProfiles, or declare one with new Profile(app, ...)');

  const byName = new Map(decl.workloads.map((w) => [w.name, w]));
  const kindOf = pathKinds();
  for (const w of workloads) {
    for (const d of w.dependencies) {
      if (!byName.has(d.name)) report(w, `dependency '${d.name}' is not a declared workload: declare it, or depend on one of ${show([...byName.keys()])}`);
      else if (d.name === w.name) report(w, `workload '${d.name}' depends on itself: remove the dependency`);
    }
    for (const p of [...(w.profiles ?? []), ...Object.keys(w.gpuByProfile)]) {
      if (!profileNames.includes(p)) report(w, `profile '${p}' is not declared: use one of ${show(profileNames)} or declare it with new Profile()`);
    }
    // an override for a profile that does not render its runtime would be dropped without a word
    for (const [runtime, list] of [['Compose', w._overrides.compose], ['Kubernetes', w._overrides.kubernetes]] as const) {
      for (const o of list) {
        const profile = profiles.find((x) => x.name === o.profile);
        if (profile && !(runtime === 'Compose' ? profile.compose : profile.kubernetes)) {
          report(w, `${runtime} override for profile '${profile.name}' would have no effect: that profile does not render ${runtime} (targets ${show(profile.targets)}): name a profile that does, or drop the override`);
        }
      }
    }
    for (const [name, request] of Object.entries(w.gpuByProfile)) {
      const profile = profiles.find((x) => x.name === name);
      if (profile && !profile.takesGpus && request.takesGpus) {
        report(w, `gpuByProfile gives profile '${name}' ${request.count} GPU(s), but that profile runs on the ${profile.flavor} flavor and gives no GPUs, so the request would be dropped: remove the entry, or name a GPU profile (${show(profiles.filter((x) => x.takesGpus).map((x) => x.name))})`);
      }
    }
    const sameAs = w.imageSource?.sameAs;
    if (sameAs !== undefined) {
      const owner = byName.get(sameAs);
      if (!owner) report(w, `ImageSource.of('${sameAs}') names no workload of this app: declare it, or build with ImageSource.mlBuild()`);
      else if (owner.imageSource?.sameAs) report(w, `ImageSource.of('${sameAs}') names a workload that itself uses ImageSource.of('${owner.imageSource.sameAs}'): name '${owner.imageSource.sameAs}' directly`);
      else if (owner.imageSource?.build && owner.profiles && !(w.profiles ?? profileNames).every((p) => owner.profiles!.includes(p))) {
        report(w, `workload '${w.name}' shares the image of '${sameAs}', which is built only for profile(s) ${show(owner.profiles)}: limit '${w.name}' to those profiles`);
      }
    } else if (w.imageSource?.build) {
      checkBuildContext(app.rootDir, w, report, kindOf);
    }
  }
  const cycle = findCycle(workloads, byName);
  if (cycle) report(byName.get(cycle[0])!, `dependency cycle ${cycle.join(' -> ')}: Compose cannot order these workloads, so break the cycle`);
  for (const p of profiles) {
    if (!baseByFlavor.has(p.flavor) && workloads.some((w) => w.imageSource?.build)) {
      report(p, `profile '${p.name}' needs a base image of flavor '${p.flavor}' and none is declared: declare new BaseImage(app, ..., { flavor: '${p.flavor}' })`);
    }
  }
  // a profile or base image with a problem leaves every variant meaningless: the report so far is the report
  const at = new Set(problems.map((x) => x.path));
  if ([...profiles, ...baseImages].some((c) => at.has(pathOf(c)))) stopIfProblems();
  narrow();

  // A workload has a variant per profile when anything about it differs by profile, or when it depends on such a
  // workload (Compose's depends_on must name the variant of the same profile).
  const perProfile = new Map<string, boolean>();
  const isPerProfile = (w: Workload): boolean => {
    if (perProfile.has(w.name)) return perProfile.get(w.name)!;
    perProfile.set(w.name, false);
    const own = !!w.imageSource?.build || w.profiles !== undefined || w.gpu.takesGpus || Object.keys(w.gpuByProfile).length > 0
      || w._overrides.compose.some((o) => o.profile !== undefined);
    const result = own || w.dependencies.some((d) => isPerProfile(byName.get(d.name)!));
    perProfile.set(w.name, result);
    return result;
  };
  const profilesOfWorkload = (w: Workload): string[] => (isPerProfile(w) ? profileNames.filter((p) => !w.profiles || w.profiles.includes(p)) : profileNames);
  for (const w of workloads) {
    for (const d of w.dependencies) {
      if (d.optional) continue;
      const target = byName.get(d.name)!;
      const missing = profilesOfWorkload(w).filter((p) => !profilesOfWorkload(target).includes(p));
      if (missing.length) {
        report(w, `workload '${w.name}' runs in profile(s) ${show(missing)} where its dependency '${d.name}' (${pathOf(target)}) does not: add them to '${d.name}' profiles, limit '${w.name}' profiles, or declare Dependency.optional('${d.name}')`);
      }
    }
  }

  const resolvedBases = new Map<string, ResolvedBaseImage>();
  for (const b of baseImages) resolvedBases.set(b.node.id, resolveBaseImage(app, b, report));
  // Each built workload builds on one base version per flavor: its pin, or the newest in its compatible range.
  const basesOf = new Map<string, Map<ImageFlavor, ResolvedBaseImage>>();
  for (const w of workloads.filter((x) => x.imageSource?.build && !x.imageSource.sameAs)) {
    const chosen = new Map<ImageFlavor, ResolvedBaseImage>();
    const flavors = new Set(profiles.filter((p) => !w.profiles || w.profiles.includes(p.name)).map((p) => p.flavor));
    for (const f of [...flavors].sort()) {
      const b = w.imageSource!.build!;
      const r = selectBase([...resolvedBases.values()].filter((x) => x.flavor === f), b.base, b.compatible);
      if (typeof r === 'string') report(w, `workload '${w.name}' has no ${f} base image: ${r}`);
      else chosen.set(f, r);
    }
    basesOf.set(w.name, chosen);
  }
  narrow();
  const baseFor = (w: Workload, flavor: ImageFlavor) => basesOf.get(imageName(w))!.get(flavor)!;
  const keyOf = (name: string, profile: string | undefined) => (profile !== undefined && isPerProfile(byName.get(name)!) ? `${name}-${profile}` : name);

  const base: ResolvedWorkload[] = [];
  const variants: ResolvedWorkload[] = [];
  for (const w of workloads) {
    // what does not depend on the profile is resolved once, and shared by the workload's variants
    const parts = workloadParts(w, [...decl.policies, ...w.policies].some((x) => x.id === NETWORK_ISOLATION), report);
    if (!isPerProfile(w)) {
      base.push(resolveWorkload(app, decl, w, parts, undefined, undefined, byName, keyOf, report));
      continue;
    }
    for (const p of profiles) {
      if (w.profiles && !w.profiles.includes(p.name)) continue;
      const bi = w.imageSource?.build ? baseFor(w, p.flavor) : undefined;
      variants.push(resolveWorkload(app, decl, w, parts, p, bi, byName, keyOf, report));
    }
  }
  const built = workloads.filter((w) => w.imageSource?.build && !w.imageSource.sameAs);
  const serviceImages = built.map((w) => resolveServiceImage(app, w, basesOf.get(w.name)!));
  checkHostPorts([...base, ...variants], byName, report);
  checkDerivedNames(app, [...base, ...variants], [...resolvedBases.values()], serviceImages, byName, report);
  const manifests = resolveManifests(app, decl, profiles, report);
  if (broken.size) {
    // the model is only rendered for the report now: what depends on a workload with a problem goes on without it
    const without = (ws: ResolvedWorkload[]) => ws.map((x) => ({ ...x, dependsOn: x.dependsOn.filter((d) => !broken.has(d.service)) }));
    base.splice(0, base.length, ...without(base));
    variants.splice(0, variants.length, ...without(variants));
  }

  const stack: ResolvedStack = {
    name: app.name,
    registry: app.registry,
    namespace: app.namespace,
    outdir: app.outdir,
    profiles: profiles.map((p) => ({ name: p.name, flavor: p.flavor, targets: [...p.targets], isDefault: p.isDefault, dev: p.dev })),
    base,
    variants,
    baseImages: [...resolvedBases.values()],
    serviceImages,
    manifests,
    networkIsolation: decl.policies.some((x) => x.id === NETWORK_ISOLATION),
    monitoring: app.monitoring,
  };
  for (const t of targets.values()) {
    const names = t.scope === 'app' ? profileNames : profiles.filter((p) => p.targets.includes(t.name)).map((p) => p.name);
    if (t.scope === 'app' || names.length) t.check(stack, names, (p, m) => report(p, m));
  }
  if (problems.length) {
    // The problems only rendering finds belong in the same report: render without writing, then stop.
    try {
      // chunks made lazily are read, so that what making them finds is reported too
      renderTargets(stack, (_f, content) => void contentText(content), (p, m) => report(p, m));
    } catch (e) {
      // a model with problems may not render; the problems found so far are the report, and a missing validator is one
      if (e instanceof MissingPeerError) report(app, e.message);
    }
  }
  stopIfProblems();
  return stack;
}

/**
 * Renders a resolved stack into `emit`, then throws the problems rendering found, if any (the caller discards what
 * was emitted: nothing is written).
 * @throws DeclarationError listing every problem rendering found
 * @internal
 */
export function renderStack(stack: ResolvedStack, emit: EmitFile, byTarget?: TargetFiles[]): void {
  const problems: DeclarationProblem[] = [];
  try {
    renderTargets(stack, emit, (path, message) => problems.push({ path, message }), byTarget);
  } catch (e) {
    // a validator that is not installed is one problem of the report, not a stack trace
    if (!(e instanceof MissingPeerError)) throw e;
    problems.push({ path: '<root>', message: e.message });
  }
  if (problems.length) throw new DeclarationError(ordered(dedupe(problems, (p) => `${p.path}\u0000${p.message}`)));
}

function resolveBaseImage(app: MlApp, b: BaseImage, report: Report): ResolvedBaseImage {
  let constraints: string | undefined;
  if (b.constraints !== undefined) {
    const file = path.join(app.rootDir, b.constraints);
    try {
      constraints = fs.readFileSync(file, 'utf8');
      const bad = constraints.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
        .find((l) => !/^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!_-]+$/.test(l));
      if (bad !== undefined) report(b, `constraints ${show(b.constraints)} has the line ${show(bad)}: give one 'name==version' per line (comments start with '#')`);
    } catch {
      report(b, `constraints ${show(b.constraints)} cannot be read under ${app.rootDir}: create it or fix the path`);
    }
  }
  return {
    key: b.node.id, name: b.name, tag: b.tag, torchMinor: b.torchMinor, flavor: b.flavor, ref: app.imageRef(b.name, b.tag), upstream: b.upstream,
    torch: b.torch, torchvision: b.torchvision, python: b.python, cuda: b.cuda, packages: b.packages, uid: b.uid,
    dir: `docker/images/${b.node.id}`, constraints,
  };
}

/** The name an ML build's image and Dockerfile folder go by: its own, or that of the workload it shares it with. */
function imageName(w: Workload): string {
  return w.imageSource!.sameAs ?? w.name;
}

/** An ML build's image: its version and the tag of the base version it builds on, so a new base is a new tag. */
function imageRef(app: MlApp, w: Workload, base: ResolvedBaseImage, dev: boolean): string {
  return app.imageRef(imageName(w), `${w.imageSource!.build!.version ?? '0.1.0'}-${base.tag}${dev ? '-dev' : ''}`);
}

function dockerfileOf(app: MlApp, w: Workload): string {
  const b = w.imageSource!.build!;
  // outdir is normalized (no '.', '..' or trailing '/') and an image name is a DNS label: joining changes nothing
  return b.dockerfile ? path.posix.join(b.context, b.dockerfile) : `${app.outdir}/docker/images/${imageName(w)}/Dockerfile`;
}

function resolveServiceImage(app: MlApp, w: Workload, bases: Map<ImageFlavor, ResolvedBaseImage>): ResolvedServiceImage {
  const b = w.imageSource!.build!;
  return {
    name: w.name, path: pathOf(w), context: b.context, dockerfile: dockerfileOf(app, w), synthesized: !b.dockerfile,
    pipPackages: { ...(b.pipPackages ?? {}) }, devPackages: { ...(b.devPackages ?? { debugpy: '1.8.5', watchfiles: '0.24.0' }) },
    copy: (b.copy ?? DEFAULT_COPY).map((c) => ({ ...c })),
    command: w.command ? [...w.command] : undefined, port: w.ports[0]?.port, uid: w.user,
    defaultBase: (bases.get(ImageFlavor.CPU) ?? bases.values().next().value!).ref,
    variants: [...bases].map(([f, base]) => ({ flavor: f, ref: imageRef(app, w, base, false), base })),
  };
}

function resolveEnv(w: Workload, report: Report): ResolvedEnv[] {
  const declared = w.env;
  const out = new Map<string, ResolvedEnv>();
  const visiting = new Set<string>();
  const valueOf = (name: string): ResolvedEnv | undefined => {
    if (out.has(name)) return out.get(name);
    const v: EnvValue | undefined = Object.prototype.hasOwnProperty.call(declared, name) ? declared[name] : undefined;
    if (!v) return undefined;
    let r: ResolvedEnv;
    if (v.type === 'secret') {
      const ref = v.secretRef!;
      const p = secretPath(ref);
      r = { name, value: p, secret: { secret: ref.secret, key: ref.key, path: p, composeName: `${ref.secret}_${ref.key}` } };
    } else if (v.type === 'template') {
      if (visiting.has(name)) {
        report(w, `environment variable ${name} refers to itself through ${show([...visiting])}: break the cycle`);
        return { name, value: '' };
      }
      visiting.add(name);
      const value = expandTemplate(v.value!, (ref) => {
        const x = valueOf(ref);
        if (x === undefined) report(w, `environment variable ${name} refers to \${${ref}}, which the workload does not declare: declare ${ref}, or write $\${ for a literal '\${'`);
        return x?.value ?? '';
      });
      visiting.delete(name);
      r = { name, value };
    } else {
      r = { name, value: v.value! };
    }
    out.set(name, r);
    return r;
  };
  for (const name of Object.keys(declared)) valueOf(name);
  return Object.keys(declared).map((n) => out.get(n)!);
}

/** The fetch of a workload's model, if it has an S3 source. */
function modelFetch(w: Workload, p: Profile | undefined, volumes: ResolvedContainer['volumes'], byName: Map<string, Workload>,
  keyOf: (name: string, profile: string | undefined) => string, report: Report): ResolvedContainer['modelFetch'] {
  const s = w.model.s3;
  if (!s) return undefined;
  let endpoint: string;
  let dependency: ResolvedDependency | undefined;
  if (typeof s.endpoint === 'string') {
    endpoint = s.endpoint;
  } else {
    const t = byName.get(s.endpoint.name);
    if (!t || t !== s.endpoint) {
      report(w, `model endpoint '${s.endpoint.name}' is not a workload of this app: declare it in the app, or give a URL`);
      return undefined;
    }
    if (!t.ports.length) {
      report(w, `model endpoint '${t.name}' has no port to reach it on: declare its S3 port (e.g. 9000 for minio)`);
      return undefined;
    }
    endpoint = `http://${t.name}:${t.ports[0].port}`;
    dependency = { service: t.name, key: keyOf(t.name, p?.name), healthy: t.healthCheck !== undefined, job: false };
  }
  const secrets = [s.accessKey, s.secretKey].map((v) => {
    const ref = v.secretRef!;
    return { secret: ref.secret, key: ref.key, path: secretPath(ref), composeName: `${ref.secret}_${ref.key}` };
  });
  const volume = volumes.find((v) => v.path === MODELS_DIR)!;
  return {
    key: p ? `${w.name}-fetch-${p.name}` : `${w.name}-fetch`,
    command: [
      'python', FETCHER_PATH, '--endpoint', endpoint, '--bucket', s.bucket, '--prefix', s.prefix,
      ...(s.version ? ['--version', s.version] : []), '--dest', MODELS_DIR,
      '--deadline-seconds', String(s.deadline ? s.deadline.toSeconds() : 600), ...(s.allowMissing ? ['--allow-missing'] : []),
    ],
    env: [
      { name: 'AWS_ACCESS_KEY_ID_FILE', value: secrets[0].path, secret: secrets[0] },
      { name: 'AWS_SECRET_ACCESS_KEY_FILE', value: secrets[1].path, secret: secrets[1] },
      { name: 'HOME', value: CACHE_DIR }, { name: 'XDG_CACHE_HOME', value: CACHE_DIR }, { name: 'NVIDIA_VISIBLE_DEVICES', value: 'void' },
    ],
    secrets: dedupe(secrets, (x) => x.path),
    volume,
    endpoint: dependency,
  };
}

// The managed variables every variant of every workload carries: one frozen object each, shared by the model.
const HOME_ENV: ResolvedEnv = Object.freeze({ name: 'HOME', value: CACHE_DIR });
const XDG_ENV: ResolvedEnv = Object.freeze({ name: 'XDG_CACHE_HOME', value: CACHE_DIR });
const TORCH_ENV: ResolvedEnv = Object.freeze({ name: 'TORCH_HOME', value: `${CACHE_DIR}/torch` });
const NO_GPU_ENV: ResolvedEnv = Object.freeze({ name: 'NVIDIA_VISIBLE_DEVICES', value: 'void' });

function managedEnv(w: Workload, gpu: boolean, ml: boolean): ResolvedEnv[] {
  // The root filesystem is read-only: point every cache at the writable cache mount.
  const env: ResolvedEnv[] = [HOME_ENV, XDG_ENV];
  if (ml) {
    env.push(TORCH_ENV);
    // BLAS and OpenMP otherwise start one thread per host core and thrash inside a CPU limit.
    const threads = String(w.cpuLimit.toThreads());
    env.push({ name: 'OMP_NUM_THREADS', value: threads }, { name: 'MKL_NUM_THREADS', value: threads });
  }
  // The NVIDIA runtime exposes every GPU to a container whose image sets NVIDIA_VISIBLE_DEVICES=all (CUDA images do).
  if (!gpu) env.push(NO_GPU_ENV);
  const drain = w.drainSeconds();
  if (drain) env.push({ name: 'SHUTDOWN_TIMEOUT_SECONDS', value: String(drain.timeout) });
  return env;
}

function gpuIn(w: Workload, p: Profile | undefined): GpuRequest | undefined {
  if (!p || !p.takesGpus) return undefined;
  const explicit = w.gpuByProfile[p.name];
  const request = explicit ?? w.gpu;
  if (!request.takesGpus) return undefined;
  return explicit ?? p.gpuOverride ?? request;
}

function resolveWorkload(
  app: MlApp, decl: AppDeclaration, w: Workload, parts: WorkloadParts, p: Profile | undefined, base: ResolvedBaseImage | undefined,
  byName: Map<string, Workload>, keyOf: (name: string, profile: string | undefined) => string, report: Report,
): ResolvedWorkload {
  const request = gpuIn(w, p);
  const build = w.imageSource?.build;
  // dev conveniences (sources synced, reload, a debug port) are for services; a job runs its image as it is
  const dev = !!(p?.dev && build && w._kindSpec().kind !== 'job');
  const env = interned([...parts.env, ...managedEnv(w, request !== undefined, !!build)]);
  const ports = dev ? [...parts.ports, { name: 'debug', port: w.dev.debugPort ?? 5678, hostPort: w.dev.debugHostPort ?? 0, hostIp: '127.0.0.1' }] : parts.ports;
  let minDriver: number | undefined;
  if (request) {
    minDriver = base?.cuda ? minDriverMajor(base.cuda) : undefined;
    if (base?.cuda && minDriver === undefined) report(p!, `CUDA ${show(base.cuda)} has no entry in the driver table: add it to CUDA_MIN_DRIVER_MAJOR or use a listed CUDA version`);
  }
  const devSource = w.dev.source ?? build?.copy?.[0] ?? DEFAULT_COPY[0];
  const fetch = modelFetch(w, p, parts.volumes, byName, keyOf, report);
  const dependencies = [...w.dependencies];
  // The fetch reaches the endpoint from the workload's pod: the endpoint is a dependency of the workload too.
  const endpoint = w.model.s3?.endpoint;
  if (endpoint && typeof endpoint !== 'string' && !dependencies.some((d) => d.name === endpoint.name)) dependencies.push(Dependency.on(endpoint));
  const common: ResolvedContainer = {
    service: w.name,
    key: keyOf(w.name, p?.name),
    profile: p && (keyOf(w.name, p.name) !== w.name) ? p.name : undefined,
    path: parts.path,
    ml: !!build,
    component: w.component,
    image: build ? imageRef(app, w, base!, dev) : w.imageSource!.ref!,
    build: build ? {
      context: build.context,
      dockerfile: dockerfileOf(app, w),
      args: { BASE_IMAGE: base!.ref },
      target: dev ? 'dev' : 'runtime',
    } : undefined,
    command: dev ? interned([...(w.dev.command ?? w.command ?? [])]) : (w.command ? interned([...w.command]) : undefined),
    env,
    ports,
    volumes: parts.volumes,
    scratch: parts.scratch,
    secrets: parts.secrets,
    modelFetch: fetch,
    autoscaling: parts.autoscaling,
    metrics: parts.metrics,
    egress: parts.egress,
    ingressFrom: parts.ingressFrom,
    drain: parts.drain,
    binds: dev && p!.devSync === 'bind' ? [{ source: path.posix.normalize(path.posix.join(build!.context, devSource.from)), target: devSource.to }] : NONE,
    watch: dev && p!.devSync === 'watch' ? {
      sync: [{ source: path.posix.normalize(path.posix.join(build!.context, devSource.from)), target: devSource.to }],
      // the Dockerfile holds the pinned requirements: a change there needs a new image
      rebuild: [dockerfileOf(app, w)],
    } : undefined,
    shmMiB: parts.shmMiB,
    cpuRequestMillis: w.cpuRequest.millis,
    cpuLimitMillis: w.cpuLimit.millis,
    memoryRequestMiB: parts.memoryRequestMiB,
    memoryLimitMiB: parts.memoryLimitMiB,
    gpu: request ? { kind: request.kind, resourceName: request.resourceName, count: request.count, deviceIds: request.deviceIds } : undefined,
    health: parts.health,
    user: w.user,
    dependsOn: dependencies
      .filter((d) => !p || !byName.get(d.name)!.profiles || byName.get(d.name)!.profiles!.includes(p.name))
      .map((d) => {
        const t = byName.get(d.name)!;
        return { service: t.name, key: keyOf(t.name, p?.name), healthy: t.healthCheck !== undefined, job: t._kindSpec().kind === 'job' };
      }),
    scheduling: request ? sharedScheduling(p!, minDriver) : undefined,
    policies: w.policies.length ? [...decl.policies, ...w.policies] : appPolicies(decl),
    composeOverrides: w._overrides.compose.length ? w._overrides.compose.filter((o) => o.profile === undefined || o.profile === p?.name).map((o) => o.patch) : NONE,
    kubernetesOverrides: w._overrides.kubernetes.length ? w._overrides.kubernetes.filter((o) => !p || o.profile === undefined || o.profile === p.name).map((o) => ({ ...o })) : NONE,
  };
  if (build && !build.dockerfile && !w.command) {
    report(w, `workload '${w.name}' is built on the ML base image with a synthesized Dockerfile but has no command, which becomes the image's CMD: give 'command', or bring your own 'dockerfile'`);
  }
  for (const o of [...w._overrides.compose, ...w._overrides.kubernetes]) {
    if (o.profile !== undefined && !decl.profiles.some((x) => x.name === o.profile)) {
      report(w, `override for profile ${show(o.profile)} names no declared profile: use one of ${show(decl.profiles.map((x) => x.name))}`);
    }
  }
  return Object.assign(common, w._kindSpec());
}

/** What every variant of a workload shares: resolved once per workload, and one object in the model. */
type WorkloadParts = Pick<ResolvedContainer, 'path' | 'env' | 'ports' | 'volumes' | 'scratch' | 'secrets' | 'autoscaling' | 'metrics'
  | 'egress' | 'ingressFrom' | 'drain' | 'health' | 'shmMiB' | 'memoryRequestMiB' | 'memoryLimitMiB'>;

/** The parts of `w` that do not depend on the profile (its declared environment without the managed variables). */
function workloadParts(w: Workload, isolated: boolean, report: Report): WorkloadParts {
  const env = resolveEnv(w, report);
  const hc = w.healthCheck;
  const firstPort = w.ports[0]?.port;
  const ports = w.ports.map((x, i) => ({ name: portName(x, i), port: x.port, hostPort: x.hostPort, hostIp: x.hostIp }));
  const spec = w._kindSpec();
  const replicated = spec.kind !== 'job' && spec.replicas > 1;
  const drain = w.drainSeconds();
  return {
    path: pathOf(w),
    env,
    ports,
    volumes: w.volumes.map((v) => ({
      name: v.name, claim: `${w.name}-${v.name}`, path: v.path, sizeMiB: v.size ? v.size.toMebibytes() : 1024,
      readOnly: v.readOnly ?? false, storageClassName: v.storageClassName,
      perPod: !!w.model.s3 && v.path === MODELS_DIR && replicated && spec.kind === 'service',
    })),
    scratch: interned([TMP_DIR, CACHE_DIR, ...w.writablePaths]),
    // the managed variables hold no secret: the declared ones are all
    secrets: dedupe(env.flatMap((e) => (e.secret ? [e.secret] : [])), (x) => x.path),
    autoscaling: w.autoscaling ? {
      minReplicas: w.autoscaling.minReplicas, maxReplicas: w.autoscaling.maxReplicas, cpuUtilization: w.autoscaling.cpuUtilization ?? 70,
      memoryUtilization: w.autoscaling.memoryUtilization, gpuUtilization: w.autoscaling.gpuUtilization ?? 70,
      inFlightRequests: w.autoscaling.inFlightRequests ? { ...w.autoscaling.inFlightRequests } : undefined,
      cooldownSeconds: w.autoscaling.cooldown ? w.autoscaling.cooldown.toSeconds() : 300,
      prometheusUrl: w.autoscaling.prometheusUrl ?? 'http://prometheus-operated.monitoring.svc:9090',
    } : undefined,
    metrics: w.metrics ? {
      port: w.metrics.port, portName: ports.find((x) => x.port === w.metrics!.port)!.name, path: w.metrics.path ?? '/metrics',
      intervalSeconds: w.metrics.interval ? w.metrics.interval.toSeconds() : 30,
    } : undefined,
    egress: modelEgress(w, w.egress.length ? w.egress.map((e) => ({ cidr: e.cidr, port: e.port, protocol: e.protocol ?? 'TCP' })) : NONE, isolated, report),
    ingressFrom: w.ingressFrom.length ? w.ingressFrom.map((s) => ({ ...s })) : NONE,
    drain: drain ? { timeoutSeconds: drain.timeout, preStopSeconds: drain.preStop, graceSeconds: drain.grace } : undefined,
    health: hc ? interned<ResolvedHealth>({
      kind: hc.kind === HealthCheckKind.HTTP ? 'http' : 'command',
      path: hc.path,
      livenessPath: hc.livenessPath,
      port: hc.kind === HealthCheckKind.HTTP ? hc.port ?? firstPort : undefined,
      command: hc.command ?? ['curl', '-fsS', `http://127.0.0.1:${hc.port ?? firstPort}${hc.path}`],
      intervalSeconds: hc.intervalSeconds,
      startupSeconds: hc.startupSeconds,
    }) : undefined,
    shmMiB: w.shmSize?.toMebibytes(),
    memoryRequestMiB: w.memoryRequest.toMebibytes(),
    memoryLimitMiB: w.memoryLimit.toMebibytes(),
  };
}

// The model of a large app holds tens of thousands of variants; what is the same in many of them is one object.
// The model is read-only: NONE is frozen, so a target that wrote into a shared part would fail loudly.
const NONE = Object.freeze([]) as unknown as never[];
const policiesOf = new WeakMap<AppDeclaration, KubernetesPolicy[]>();
const schedulingOf = new WeakMap<Profile, Map<number | undefined, ResolvedContainer['scheduling']>>();

function appPolicies(decl: AppDeclaration): KubernetesPolicy[] {
  let out = policiesOf.get(decl);
  if (!out) policiesOf.set(decl, out = [...decl.policies]);
  return out;
}

function sharedScheduling(p: Profile, minDriver: number | undefined): ResolvedContainer['scheduling'] {
  let byDriver = schedulingOf.get(p);
  if (!byDriver) schedulingOf.set(p, byDriver = new Map());
  // a frozen copy: the preset's own objects stay the user's, and targets make their parts of it once
  if (!byDriver.has(minDriver)) byDriver.set(minDriver, deepFreeze(JSON.parse(JSON.stringify(scheduling(p, minDriver)))));
  return byDriver.get(minDriver);
}

/** What a GPU pod of profile `p` needs to schedule, from the profile's cluster preset. */
function scheduling(p: Profile, minDriver: number | undefined): ResolvedContainer['scheduling'] {
  const c = p.cluster.props;
  const required = [...(c.requiredAffinity ?? [])];
  const preferred = [...(c.preferredAffinity ?? [])];
  // Gt is strict, so "at least N" is "greater than N - 1".
  const driver = minDriver !== undefined ? { key: DRIVER_MAJOR_LABEL, operator: 'Gt' as const, values: [String(minDriver - 1)] } : undefined;
  if (c.gfdLabels) {
    if (driver) required.unshift(driver);
    if (p.gpuProducts.length) required.push({ key: 'nvidia.com/gpu.product', operator: 'In', values: [...p.gpuProducts] });
    if (p.minGpuMemoryMiB !== undefined) required.push({ key: 'nvidia.com/gpu.memory', operator: 'Gt', values: [String(p.minGpuMemoryMiB - 1)] });
  } else if (driver) {
    // Where GFD may not run, a fit driver is only preferred: required, it would leave the pod Pending.
    preferred.unshift({ weight: 50, requirement: driver });
  }
  return {
    preset: c.name,
    runtimeClassName: p.runtimeClassName,
    tolerations: [...(c.tolerations ?? [])],
    nodeSelector: { ...(c.nodeSelector ?? {}) },
    required,
    preferred,
    driverCheckMinMajor: c.driverCheck ? minDriver : undefined,
    dcgmLabels: c.dcgmLabels ?? 'exported',
  };
}

function resolveManifests(app: MlApp, decl: AppDeclaration, profiles: Profile[], report: Report): ResolvedManifest[] {
  return decl.manifests.map((m) => {
    const profile = profiles.find((p) => p.name === m.profile);
    if (!profile) report(app, `addManifest names profile ${show(m.profile)}, which is not declared: use one of ${show(profiles.map((p) => p.name))}`);
    else if (!profile.kubernetes) report(app, `addManifest names profile '${m.profile}', which does not render for Kubernetes: add 'kubernetes' to its targets or choose another profile`);
    return { profile: m.profile, path: pathOf(app), object: m.object, unknownKind: m.unknownKind };
  });
}

/**
 * What a path under a folder is on disk, asked once per path per synth: many workloads share one build context
 * (the joined path is kept too, joining costs more than the lookup).
 */
type PathKind = (...parts: string[]) => 'folder' | 'file' | 'other' | 'missing';

function pathKinds(): PathKind {
  const seen = new Map<string, ReturnType<PathKind>>();
  return (...parts) => {
    const key = parts.join('\u0000');
    let kind = seen.get(key);
    if (kind === undefined) {
      const st = fs.statSync(path.join(...parts), { throwIfNoEntry: false });
      kind = !st ? 'missing' : st.isDirectory() ? 'folder' : st.isFile() ? 'file' : 'other';
      seen.set(key, kind);
    }
    return kind;
  };
}

function checkBuildContext(rootDir: string, w: Workload, report: Report, kindOf: PathKind): void {
  const b = w.imageSource!.build!;
  if (kindOf(rootDir, b.context) !== 'folder') {
    report(w, `build context ${show(b.context)} is not a folder under ${rootDir}: create it or fix the path`);
    return;
  }
  if (b.dockerfile) {
    const shown = show(path.posix.join(b.context, b.dockerfile));
    const kind = kindOf(rootDir, b.context, b.dockerfile);
    if (kind === 'missing') {
      report(w, `dockerfile ${shown} does not exist: create it, or drop 'dockerfile' to have one synthesized`);
      return;
    }
    if (kind !== 'file') {
      report(w, `dockerfile ${shown} is not a file: point 'dockerfile' at the Dockerfile itself`);
      return;
    }
    const problem = checkServiceDockerfile(fs.readFileSync(path.join(rootDir, b.context, b.dockerfile), 'utf8'));
    if (problem) report(w, `dockerfile ${shown} ${problem}`);
  }
  for (const c of b.copy ?? DEFAULT_COPY) {
    if (kindOf(rootDir, b.context, c.from) === 'missing') report(w, `copy source ${show(path.posix.join(b.context, c.from))} does not exist: create it or fix 'copy'`);
  }
}

function checkHostPorts(all: ResolvedWorkload[], byName: Map<string, Workload>, report: Report): void {
  // Variants of one workload never run together (one profile at a time), so a host port is owned by a workload.
  const owner = new Map<string, string>();
  for (const w of all) {
    for (const p of w.ports) {
      if (!p.hostPort) continue;
      const key = String(p.hostPort);
      const o = owner.get(key);
      if (o !== undefined && o !== w.service) {
        report(byName.get(w.service)!, `host port ${p.hostPort} is already published by workload '${o}': publish a different hostPort`);
      }
      owner.set(key, w.service);
    }
  }
}

/** Every name derived from two declarations must map back to one: a collision is reported naming both. */
function checkDerivedNames(
  app: MlApp, all: ResolvedWorkload[], bases: ResolvedBaseImage[], images: ResolvedServiceImage[],
  byName: Map<string, Workload>, report: Report,
): void {
  const claims = new Map<string, string>();
  const claim = (name: string, source: string, scope: Workload) => {
    const other = claims.get(name);
    if (other !== undefined && other !== source) report(scope, `${source} and ${other} both derive the volume/claim name '${name}': rename one of the workloads or volumes`);
    claims.set(name, source);
  };
  const keys = new Map<string, string>();
  for (const w of all) {
    const scope = byName.get(w.service)!;
    const other = keys.get(w.key);
    const source = `${w.path}${w.profile ? ` in profile '${w.profile}'` : ''}`;
    if (other !== undefined && other !== source) {
      report(scope, `Compose service key '${w.key}' is derived twice: by ${source} and by ${other}: rename one workload or profile`);
    }
    keys.set(w.key, source);
    if (w.modelFetch) {
      const o = keys.get(w.modelFetch.key);
      if (o !== undefined) report(scope, `Compose service key '${w.modelFetch.key}' (the model fetch of ${source}) is also derived by ${o}: rename one workload`);
      keys.set(w.modelFetch.key, `the model fetch of ${source}`);
    }
    for (const b of w.watch ? [...w.binds, ...w.watch.sync] : w.binds) {
      const hides = (p: string) => p === b.target || p.startsWith(`${b.target}/`) || b.target.startsWith(`${p}/`);
      const volume = w.volumes.find((v) => hides(v.path));
      const scratch = volume ? undefined : w.scratch.find(hides);
      if (volume || scratch !== undefined) {
        report(scope, `the dev source bind mount at '${b.target}' overlaps ${volume ? `volume '${volume.name}'` : 'a writable path'} at '${volume ? volume.path : scratch}' in profile '${w.profile}', so one hides the other: set devSource (dev.source) to another path`);
      }
    }
    for (const v of w.volumes) {
      claim(v.claim, `volume '${v.name}' of ${w.path}`, scope);
      if (w.kind === 'stateful') {
        // StatefulSet claims are named <template>-<statefulset>-<ordinal> by the controller.
        for (let i = 0; i < w.replicas; i++) claim(`${v.name}-${w.service}-${i}`, `volume '${v.name}' of ${w.path} (replica ${i})`, scope);
      }
    }
    const keysBySecret = new Map<string, string>();
    for (const s of w.secrets) {
      const folded = `${s.secret}/${s.key.toLowerCase()}`;
      const prev = keysBySecret.get(folded);
      if (prev !== undefined && prev !== s.key) {
        report(scope, `secret '${s.secret}' keys '${prev}' and '${s.key}' differ only in case, and Compose reads both from one file on case-insensitive disks (macOS, Windows): rename one key`);
      }
      keysBySecret.set(folded, s.key);
    }
  }
  const targets = new Map<string, string>();
  const folders = new Map<string, string>();
  const own = (map: Map<string, string>, what: string, name: string, source: string, scope: any) => {
    const other = map.get(name);
    if (other !== undefined && other !== source) report(scope, `${what} '${name}' is derived twice: by ${source} and by ${other}: rename one`);
    map.set(name, source);
  };
  for (const b of bases) {
    const scope = app.node.tryFindChild(b.key) ?? app;
    own(targets, 'bake target', b.key, `base image '${b.key}'`, scope);
    own(folders, 'image folder', b.dir, `base image '${b.key}'`, scope);
  }
  for (const s of images) {
    const scope = byName.get(s.name)!;
    for (const v of s.variants) own(targets, 'bake target', `${s.name}-${v.flavor}`, `workload ${s.path}`, scope);
    if (s.synthesized) own(folders, 'image folder', `docker/images/${s.name}`, `workload ${s.path}`, scope);
  }
}

function checkUnique<T>(items: T[], key: (t: T) => string, onDuplicate: (t: T, k: string, first: T) => void): void {
  const seen = new Map<string, T>();
  for (const i of items) {
    const k = key(i);
    if (seen.has(k)) onDuplicate(i, k, seen.get(k)!);
    else seen.set(k, i);
  }
}

function findCycle(workloads: Workload[], byName: Map<string, Workload>): string[] | undefined {
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
  for (const w of workloads) {
    const c = visit(w.name);
    if (c) return c;
  }
  return undefined;
}

/** Problems in construct-path order (stable: one construct's problems keep the order they were found in). */
function ordered(problems: DeclarationProblem[]): DeclarationProblem[] {
  return problems.map((p, i) => ({ p, i })).sort((a, b) => (a.p.path < b.p.path ? -1 : a.p.path > b.p.path ? 1 : a.i - b.i)).map((x) => x.p);
}

function dedupe<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((i) => (seen.has(key(i)) ? false : (seen.add(key(i)), true)));
}
