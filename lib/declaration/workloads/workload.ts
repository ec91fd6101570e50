import { Duration, Size } from '../../values/cdk8s-values';
import { Construct, IConstruct } from 'constructs';
import { Cpu } from '../../values/cpu';
import { EnvValue, checkEnvValue } from '../../values/env';
import { freeId, problem, show } from '../../internal/errors';
import { GpuRequest, checkGpuRequest } from '../../values/gpu';
import { HealthCheck, checkHealthCheck } from '../../values/health-check';
import { ImageSource, checkContextPath, checkImageRef, checkMlBuild } from '../../values/image-source';
import { ModelSource, checkModelSource } from '../../values/model-source';
import { AutoscalingOptions, ExternalEndpoint, IngressSource, MetricsOptions, checkAutoscaling, checkCidr, checkIngressSource } from '../../values/production';
import {
  assertAbsolutePath, assertDns1035, assertDnsLabel, assertDnsSubdomain, assertEnvName, assertInteger,
  assertPortName, assertPrintable,
} from '../../internal/names';
import type { KubernetesPolicy } from '../../model/policy';
import type { WorkloadKindSpec } from '../../model/model';
import { CACHE_DIR, MANAGED_ENV, MODELS_DIR, SHM_DIR, TMP_DIR } from '../../model/paths';
import { Dependency } from './dependency';
import { typeMark } from '../../internal/type-mark';
import type { WorkloadReference } from '../../values/workload-reference';
import { mebibytesOf } from './sizes';
import type {
  ComposeOverride, ComposeServiceSpec, DevOptions, DrainOptions, KubernetesOverride, OverrideOptions, PersistentVolume, WorkloadPort, WorkloadProps,
} from './workload-props';

export type { ComposeServiceSpec, DevOptions, DrainOptions, OverrideOptions, PersistentVolume, WorkloadPort, WorkloadProps } from './workload-props';


const RESERVED_PATHS = [TMP_DIR, CACHE_DIR, SHM_DIR, '/run/secrets'];


/**
 * What every container workload has: image source, command, environment, ports, resources, volumes, health,
 * security and dependencies. Kinds add only their own spec: {@link Service} (Deployment), {@link StatefulService}
 * (StatefulSet) and {@link Job} (Job or CronJob).
 */
export abstract class Workload extends Construct {
  /** Whether `x` is a workload of any kind (also one made by another copy of the library). */
  public static isWorkload(x: unknown): x is Workload {
    return isMarked(x);
  }

  /** The name, after defaults. */
  public readonly name: string;
  /** Where the image comes from. */
  public readonly imageSource?: ImageSource;
  /** The command and its arguments. */
  public readonly command?: string[];
  /** The ports the workload listens on. */
  public readonly ports: WorkloadPort[];
  /** CPU guaranteed to the container. */
  public readonly cpuRequest: Cpu;
  /** CPU the container may use at most. */
  public readonly cpuLimit: Cpu;
  /** Memory guaranteed to the container. */
  public readonly memoryRequest: Size;
  /** Memory the container may use at most. */
  public readonly memoryLimit: Size;
  /** Size of /dev/shm, when set. */
  public readonly shmSize?: Size;
  /** How both runtimes check health, when set. */
  public readonly healthCheck?: HealthCheck;
  /** Numeric UID and GID the container runs as. */
  public readonly user: number;
  /** The `app.kubernetes.io/component` label. */
  public readonly component: string;
  /** The GPU request in profiles that give GPUs. */
  public readonly gpu: GpuRequest;
  /** GPU requests by profile name. */
  public readonly gpuByProfile: Readonly<Record<string, GpuRequest>>;
  /** Profile names this workload is limited to; undefined for every profile. */
  public readonly profiles?: string[];
  /** Dev profile options. */
  public readonly dev: DevOptions;
  /** Where the model comes from. */
  public readonly model: ModelSource;
  /** Drain options, when set. */
  public readonly drain?: DrainOptions;
  /** Autoscaling, when set. */
  public readonly autoscaling?: AutoscalingOptions;
  /** Metrics, when served. */
  public readonly metrics?: MetricsOptions;
  /** External endpoints reached under network isolation. */
  public readonly egress: ExternalEndpoint[];
  /** Who reaches published ports under network isolation. */
  public readonly ingressFrom: IngressSource[];
  // no prototype: a variable may be named `constructor` or `__proto__`
  private readonly _env: Record<string, EnvValue> = Object.create(null);
  private readonly _volumes: PersistentVolume[];
  private readonly _writablePaths: string[];
  private readonly _dependsOn: Dependency[] = [];
  private readonly _policies: KubernetesPolicy[] = [];
  private readonly _composeOverrides: ComposeOverride[] = [];
  private readonly _k8sOverrides: KubernetesOverride[] = [];

  protected constructor(scope: Construct, id: string, props: WorkloadProps, defaults: { component: string }) {
    super(scope, freeId(scope, id, 'workload'));
    props = props ?? {};
    this.name = props.name ?? id;
    this.imageSource = typeof props.image === 'string' ? ImageSource.registry(props.image) : props.image;
    this.command = Array.isArray(props.command) ? [...props.command] : props.command;
    this.ports = Array.isArray(props.ports) ? props.ports.map((p) => ({ ...p })) : [];
    this.cpuRequest = props.cpuRequest ?? Cpu.millis(100);
    this.cpuLimit = props.cpuLimit ?? Cpu.units(1);
    this.memoryRequest = props.memoryRequest ?? Size.mebibytes(256);
    this.memoryLimit = props.memoryLimit ?? Size.mebibytes(512);
    this.shmSize = props.shmSize;
    this.healthCheck = props.healthCheck;
    this.user = props.user ?? 10001;
    this.component = props.component ?? defaults.component;
    this.gpu = props.gpu ?? GpuRequest.none();
    this.gpuByProfile = { ...(props.gpuByProfile ?? {}) };
    this.profiles = props.profiles ? [...props.profiles] : undefined;
    this.dev = { ...(props.dev ?? {}) };
    this.model = props.model ?? ModelSource.none();
    this.drain = props.drain;
    this.autoscaling = props.autoscaling ? { ...props.autoscaling } : undefined;
    this.metrics = props.metrics ? { ...props.metrics } : undefined;
    this.egress = (props.egress ?? []).map((e) => ({ ...e }));
    this.ingressFrom = (props.ingressFrom ?? []).map((e) => ({ ...e }));
    this._volumes = Array.isArray(props.volumes) ? props.volumes.map((v) => ({ ...v })) : [];
    this._writablePaths = Array.isArray(props.writablePaths) ? [...props.writablePaths] : [];
    this.validateCommon(props);
    for (const [k, v] of Object.entries(props.env ?? {})) this.addEnv(k, v);
    for (const d of props.dependsOn ?? []) this.addDependency(d);
  }

  /** The environment, as declared (a copy). */
  public get env(): Record<string, EnvValue> {
    return { ...this._env };
  }

  /** Persistent volumes (a copy). */
  public get volumes(): PersistentVolume[] {
    return this._volumes.map((v) => ({ ...v }));
  }

  /** Extra writable scratch paths (a copy). */
  public get writablePaths(): string[] {
    return [...this._writablePaths];
  }

  /** The dependencies (a copy). */
  public get dependencies(): Dependency[] {
    return [...this._dependsOn];
  }

  /** Names of the workloads this one depends on. */
  public get dependsOn(): string[] {
    return this._dependsOn.map((d) => d.name);
  }

  /** Kubernetes policies registered on this workload (a copy). */
  public get policies(): KubernetesPolicy[] {
    return [...this._policies];
  }

  /** Adds an environment variable. */
  public addEnv(name: string, value: string | EnvValue): void {
    const v = typeof value === 'string' ? EnvValue.fromValue(value) : value;
    if (!assertEnvName(this, name)) return;
    if (MANAGED_ENV.includes(name)) {
      problem(this, `environment variable ${name} is set by cdk8s-ml (cache dir, thread counts, GPU visibility): remove it from the declaration`);
      return;
    }
    if (Object.prototype.hasOwnProperty.call(this._env, name)) {
      problem(this, `environment variable ${name} is declared twice: declare each variable once`);
      return;
    }
    if (checkEnvValue(this, name, v)) this._env[name] = v;
  }

  /** Adds a persistent volume. */
  public addVolume(volume: PersistentVolume): void {
    this._volumes.push({ ...volume });
    this.validateVolume(volume);
    this.validateMountPaths();
  }

  /** Adds a dependency on another workload, by construct, by name or as a Dependency. */
  public addDependency(target: WorkloadReference | string | Dependency): void {
    if (Dependency.isDependency(target)) this._dependsOn.push(target);
    else if (typeof target === 'string' || Workload.isWorkload(target)) this._dependsOn.push(Dependency.on(target));
    else problem(this, `dependency ${show(target)} is neither a workload, a workload name nor a Dependency: pass the construct or its name`);
  }

  /** Registers a Kubernetes policy (e.g. a PodDisruptionBudget) that derives objects from this workload. */
  public addPolicy(policy: KubernetesPolicy): void {
    this._policies.push(policy);
  }

  /**
   * Patches the rendered Compose service (every profile's variant, or one profile's): objects are merged key by
   * key, anything else replaces. The patched file is validated against the Compose schema at synth.
   */
  public addComposeOverride(patch: ComposeServiceSpec, options: OverrideOptions = {}): void {
    this._composeOverrides.push({ patch, profile: options.profile });
  }

  /**
   * Patches a rendered Kubernetes object of this workload by kind (`Deployment`, `Service`, `StatefulSet`, `Job`,
   * `CronJob`, `PersistentVolumeClaim`) with a JSON merge patch (RFC 7386: `null` removes a key). The patched object
   * is validated against the Kubernetes OpenAPI schema at synth.
   */
  public addKubernetesOverride(kind: string, patch: Record<string, unknown>, options: OverrideOptions = {}): void {
    this._k8sOverrides.push({ kind, patch, profile: options.profile });
  }

  /** @internal */
  public get _overrides(): { compose: ComposeOverride[]; kubernetes: KubernetesOverride[] } {
    return { compose: [...this._composeOverrides], kubernetes: [...this._k8sOverrides] };
  }

  /**
   * The kind's own part of the model.
   * @internal
   */
  public abstract _kindSpec(): WorkloadKindSpec;

  /** Every path this workload mounts something at, with what is mounted there. */
  protected mountPaths(): Array<[string, string]> {
    return [
      ...this._volumes.map((v): [string, string] => [v?.path, `volume '${v?.name}'`]),
      ...this._writablePaths.map((p): [string, string] => [p, 'a writable path']),
    ];
  }

  private validateCommon(props: WorkloadProps): void {
    assertDns1035(this, 'workload name', this.name);
    if (this.imageSource === undefined) {
      problem(this, `workload '${this.name}' has no image: give 'image' with a version tag, e.g. 'postgres:16.4-bookworm', or ImageSource.mlBuild({ context }) to build one on the ML base image`);
    } else if (!ImageSource.isImageSource(this.imageSource)) {
      problem(this, `image ${show(props.image)} is neither an image reference nor an ImageSource: use 'name:tag' or ImageSource.mlBuild(...)`);
    } else if (this.imageSource.ref !== undefined) {
      checkImageRef(this, this.imageSource.ref);
    } else {
      checkMlBuild(this, this.imageSource.build!);
    }
    if (this.command !== undefined) {
      if (!Array.isArray(this.command) || this.command.length === 0 || this.command.some((c) => typeof c !== 'string')) {
        problem(this, `command ${show(this.command)} is invalid: give a non-empty list of strings, or leave it out to use the image's`);
      } else {
        this.command.forEach((c) => assertPrintable(this, 'command argument', c));
      }
    }
    this.validatePorts();
    this._volumes.forEach((v) => this.validateVolume(v));
    this.validateMountPaths();
    this.validateResources();
    if (this.healthCheck !== undefined) checkHealthCheck(this, this.healthCheck, this.ports.map((p) => p.port));
    assertInteger(this, 'user', this.user, 1, 2147483647);
    assertDnsLabel(this, 'component', this.component);
    checkGpuRequest(this, 'gpu', this.gpu);
    for (const [p, g] of Object.entries(this.gpuByProfile)) checkGpuRequest(this, `gpuByProfile['${p}']`, g);
    if (this.profiles !== undefined && (!Array.isArray(this.profiles) || this.profiles.length === 0)) {
      problem(this, `profiles ${show(this.profiles)} is empty: list at least one profile, or leave it out for every profile`);
    }
    if (this.dev.debugPort !== undefined) assertInteger(this, 'dev debug port', this.dev.debugPort, 1, 65535);
    if (this.dev.debugHostPort !== undefined) assertInteger(this, 'dev debug host port', this.dev.debugHostPort, 1, 65535);
    const debugPort = this.dev.debugPort ?? 5678;
    if (this.ports.some((p) => p.port === debugPort)) {
      problem(this, `dev debug port ${debugPort} collides with a container port ${show(this.ports.map((p) => p.port))}: set dev.debugPort to another port`);
    }
    if (this.dev.command !== undefined && (!Array.isArray(this.dev.command) || this.dev.command.length === 0 || this.dev.command.some((c) => typeof c !== 'string'))) {
      problem(this, `dev command ${show(this.dev.command)} is invalid: give a non-empty list of strings`);
    }
    if (checkModelSource(this, this.model) && this.model.s3) {
      if (!this.imageSource?.build) problem(this, `workload '${this.name}' fetches a model but its image is not built on the ML base image, which carries the fetcher: use ImageSource.mlBuild(...) or drop 'model'`);
      if (!this._volumes.some((v) => v?.path === MODELS_DIR)) problem(this, `workload '${this.name}' fetches a model into ${MODELS_DIR} but mounts no volume there: add a volume at ${MODELS_DIR} (an MlService has one)`);
    }
    if (this.drain !== undefined) this.drainSeconds();
    if (this.autoscaling) checkAutoscaling(this, this.autoscaling);
    if (this.metrics) {
      if (!this.ports.some((p) => p.port === this.metrics!.port)) problem(this, `metrics port ${show(this.metrics.port)} is not one of the workload's container ports ${show(this.ports.map((p) => p.port))}: declare it in ports`);
      if (this.metrics.path !== undefined && !/^\/[A-Za-z0-9._~\/-]*$/.test(this.metrics.path)) problem(this, `metrics path ${show(this.metrics.path)} is invalid: use an absolute URL path such as '/metrics'`);
    }
    for (const e of this.egress) {
      checkCidr(this, 'egress cidr', e.cidr);
      assertInteger(this, 'egress port', e.port, 1, 65535);
      if (e.protocol !== undefined && !['TCP', 'UDP'].includes(e.protocol)) problem(this, `egress protocol ${show(e.protocol)} is invalid: use 'TCP' or 'UDP'`);
    }
    for (const s of this.ingressFrom) checkIngressSource(this, s);
    if (this.ingressFrom.length && !this.ports.some((p) => p.hostPort !== undefined)) problem(this, `workload '${this.name}' declares ingressFrom but publishes no port: set hostPort on the port to publish, or drop ingressFrom`);
    if (this.dev.source !== undefined) {
      checkContextPath(this, 'dev source', this.dev.source.from, true);
      assertAbsolutePath(this, 'dev source destination', this.dev.source.to);
    }
  }

  /**
   * The drain in whole seconds: the server timeout, the preStop pause and the grace period both runtimes get.
   * @internal
   */
  public drainSeconds(): { timeout: number; preStop: number; grace: number } | undefined {
    if (!this.drain) return undefined;
    try {
      const timeout = this.drain.longestRequest.toSeconds();
      const preStop = (this.drain.preStop ?? Duration.seconds(5)).toSeconds();
      if (!Number.isInteger(timeout) || timeout < 1 || timeout > 3600 || !Number.isInteger(preStop) || preStop < 0 || preStop > 600) throw new Error();
      // a margin after the server's own timeout, so it is not killed while it forces its exit
      return { timeout, preStop, grace: preStop + timeout + 5 };
    } catch {
      problem(this, `drain ${show({ longestRequest: String(this.drain.longestRequest?.toSeconds?.()), preStop: String(this.drain.preStop?.toSeconds?.() ?? 5) })} is invalid: give longestRequest of 1 to 3600 whole seconds and preStop of 0 to 600 (Duration.seconds(n))`);
      return undefined;
    }
  }

  private validatePorts(): void {
    const seenPorts = new Set<number>();
    const seenNames = new Set<string>();
    this.ports.forEach((p, i) => {
      assertInteger(this, 'container port', p.port, 1, 65535);
      if (p.hostPort !== undefined) assertInteger(this, 'host port', p.hostPort, 1, 65535);
      if (p.hostIp !== undefined && !/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+)$/.test(p.hostIp)) {
        problem(this, `host ip ${show(p.hostIp)} is not an IP address: use e.g. '127.0.0.1'`);
      }
      if (seenPorts.has(p.port)) problem(this, `container port ${p.port} is declared twice: declare each port once`);
      seenPorts.add(p.port);
      const name = portName(p, i);
      assertPortName(this, name);
      if (seenNames.has(name)) problem(this, `port name ${show(name)} is used twice: give each port its own name`);
      seenNames.add(name);
    });
  }

  private validateVolume(v: PersistentVolume): void {
    if (!assertDnsLabel(this, 'volume name', v?.name)) return;
    if (v.size !== undefined) mebibytesOf(this, `size of volume '${v.name}'`, v.size, 1);
    if (v.storageClassName !== undefined) assertDnsSubdomain(this, 'storage class name', v.storageClassName);
  }

  private validateMountPaths(): void {
    const seen = new Map<string, string>();
    for (const [path, what] of this.mountPaths()) {
      if (!assertAbsolutePath(this, `mount path of ${what}`, path)) continue;
      if (RESERVED_PATHS.includes(path) || path.startsWith('/run/secrets/')) {
        problem(this, `${what} is mounted at ${show(path)}, which cdk8s-ml mounts itself (${RESERVED_PATHS.join(', ')}): choose another path`);
      }
      const other = seen.get(path);
      if (other) problem(this, `${what} and ${other} are both mounted at ${show(path)}: give each its own mount path`);
      seen.set(path, what);
    }
  }

  private validateResources(): void {
    const cpus = [['cpu request', this.cpuRequest], ['cpu limit', this.cpuLimit]] as const;
    let cpuOk = true;
    for (const [what, cpu] of cpus) {
      if (!Cpu.isCpu(cpu) || !Number.isSafeInteger(cpu.millis) || cpu.millis < 1 || cpu.millis > 1_000_000_000) {
        cpuOk = problem(this, `${what} ${show(Cpu.isCpu(cpu) ? `${cpu.millis}m` : cpu)} is invalid: use Cpu.millis(n) or Cpu.units(n) with at least 1 millicore and at most a million CPUs`);
      }
    }
    if (cpuOk && this.cpuRequest.millis > this.cpuLimit.millis) {
      problem(this, `cpu request ${this.cpuRequest.toQuantity()} exceeds cpu limit ${this.cpuLimit.toQuantity()}: the request must be at most the limit`);
    }
    const request = mebibytesOf(this, 'memory request', this.memoryRequest, 6);
    const limit = mebibytesOf(this, 'memory limit', this.memoryLimit, 6);
    if (request !== undefined && limit !== undefined && request > limit) {
      problem(this, `memory request ${request}Mi exceeds memory limit ${limit}Mi: the request must be at most the limit`);
    }
    if (this.shmSize !== undefined) {
      const shm = mebibytesOf(this, 'shm size', this.shmSize, 1);
      if (shm !== undefined && limit !== undefined && shm >= limit) {
        problem(this, `memory limit ${limit}Mi is not above the shm size ${shm}Mi, and /dev/shm counts against it: raise memoryLimit above the shm size or lower shmSize`);
      }
    }
  }
}

/**
 * The name a port gets in both runtimes.
 * @internal
 */
export function portName(port: WorkloadPort, index: number): string {
  return port.name ?? (index === 0 ? 'http' : `port-${port.port}`);
}

/**
 * Every workload under `scope`, in declaration order (by marker, so another copy of the library's count too).
 * @internal
 */
export function workloadsOf(scope: IConstruct): Workload[] {
  return scope.node.findAll().filter(Workload.isWorkload);
}

const isMarked = typeMark(Workload, 'Workload');
