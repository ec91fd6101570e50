import { Size } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Cpu } from './cpu';
import { EnvValue } from './env';
import { fail, show } from './errors';
import { HealthCheck } from './health-check';
import { assertAbsolutePath, assertDnsLabel, assertEnvName, assertInteger } from './names';

/** A port the service listens on. */
export interface ServicePort {
  /** The container port. */
  readonly port: number;
  /**
   * The port published on the host under Compose (Kubernetes exposes the Service port inside the cluster).
   * @default - not published
   */
  readonly hostPort?: number;
  /**
   * The port's name (Kubernetes port name, IANA service name).
   * @default - 'http' for the first port, `port-<n>` for the others
   */
  readonly name?: string;
}

/** A persistent volume: a Compose named volume and a Kubernetes PersistentVolumeClaim. */
export interface PersistentVolume {
  /** The volume's short name; the claim is named `<service>-<name>`. */
  readonly name: string;
  /** Where it is mounted in the container. */
  readonly path: string;
  /**
   * The size requested from the storage class.
   * @default Size.gibibytes(1)
   */
  readonly size?: Size;
  /**
   * Whether the container mounts it read-only.
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * The Kubernetes storage class.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;
}

/** Properties of a {@link Service}. */
export interface ServiceProps {
  /**
   * The service's name: Compose service, Kubernetes Deployment and Service, and DNS name in both runtimes.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The image with an explicit tag, e.g. `postgres:16.4-bookworm`. `latest` and untagged images are refused.
   * @default - required for a plain Service; an MlService builds its own
   */
  readonly image?: string;
  /**
   * The command and its arguments, replacing the image's entrypoint and command.
   * @default - the image's own
   */
  readonly command?: string[];
  /**
   * Ports the service listens on.
   * @default - none
   */
  readonly ports?: ServicePort[];
  /**
   * Environment variables; a string is a literal, EnvValue.secretFile() the path of a mounted secret.
   * @default - none
   */
  readonly env?: Record<string, string | EnvValue>;
  /**
   * Persistent volumes.
   * @default - none
   */
  readonly volumes?: PersistentVolume[];
  /**
   * Paths the software writes to besides its volumes, given a writable scratch mount (tmpfs / emptyDir) since the
   * root filesystem is read-only. `/tmp` and the cache directory are always writable.
   * @default - none
   */
  readonly writablePaths?: string[];
  /**
   * CPU guaranteed to the container.
   * @default Cpu.millis(100)
   */
  readonly cpuRequest?: Cpu;
  /**
   * CPU the container may use at most.
   * @default Cpu.units(1)
   */
  readonly cpuLimit?: Cpu;
  /**
   * Memory guaranteed to the container.
   * @default Size.mebibytes(256)
   */
  readonly memoryRequest?: Size;
  /**
   * Memory the container may use at most.
   * @default Size.mebibytes(512)
   */
  readonly memoryLimit?: Size;
  /**
   * Size of /dev/shm: Compose `shm_size`, a Memory-backed emptyDir in Kubernetes. Counts against the memory limit.
   * @default - the runtime's default (64 MiB under Docker)
   */
  readonly shmSize?: Size;
  /**
   * How both runtimes check that the service is healthy.
   * @default - no health check
   */
  readonly healthCheck?: HealthCheck;
  /**
   * Services this one needs, by construct or by name. Compose waits for them (healthy, where they have a check).
   * @default - none
   */
  readonly dependsOn?: Array<Service | string>;
  /**
   * Numeric UID (and GID) the container runs as; never 0.
   * @default 10001
   */
  readonly user?: number;
  /**
   * The `app.kubernetes.io/component` label, e.g. `database`.
   * @default 'service'
   */
  readonly component?: string;
  /**
   * Pod replicas in Kubernetes. More than one is refused while the service mounts a ReadWriteOnce volume.
   * @default 1
   */
  readonly replicas?: number;
}

/** Paths every container gets as scratch space, owned by the runtime rather than the service. */
export const TMP_DIR = '/tmp';
/** The writable cache mount; HOME, XDG_CACHE_HOME and TORCH_HOME point here. */
export const CACHE_DIR = '/cache';
/** Where shared memory is mounted. */
export const SHM_DIR = '/dev/shm';
/** Variables cdk8s-ml sets itself, which a declaration may not set. */
export const MANAGED_ENV = ['HOME', 'XDG_CACHE_HOME', 'TORCH_HOME', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'NVIDIA_VISIBLE_DEVICES'];

const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/**
 * A container service of the stack, emitted as a Compose service and a Kubernetes Deployment plus Service.
 */
export class Service extends Construct {
  /** Whether `x` is a Service. */
  public static isService(x: unknown): x is Service {
    return x instanceof Service;
  }

  /** The name, after defaults. */
  public readonly name: string;
  /** The image reference, with its tag. */
  public readonly image?: string;
  /** The command and its arguments. */
  public readonly command?: string[];
  /** The ports the service listens on. */
  public readonly ports: ServicePort[];
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
  /** Pod replicas in Kubernetes. */
  public readonly replicas: number;
  private readonly _env: Record<string, EnvValue>;
  private readonly _volumes: PersistentVolume[];
  private readonly _writablePaths: string[];
  private readonly _dependsOn: Array<Service | string>;

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.image = props.image;
    this.command = props.command ? [...props.command] : undefined;
    this.ports = (props.ports ?? []).map((p) => ({ ...p }));
    this.cpuRequest = props.cpuRequest ?? Cpu.millis(100);
    this.cpuLimit = props.cpuLimit ?? Cpu.units(1);
    this.memoryRequest = props.memoryRequest ?? Size.mebibytes(256);
    this.memoryLimit = props.memoryLimit ?? Size.mebibytes(512);
    this.shmSize = props.shmSize;
    this.healthCheck = props.healthCheck;
    this.user = props.user ?? 10001;
    this.component = props.component ?? 'service';
    this.replicas = props.replicas ?? 1;
    this._env = {};
    for (const [k, v] of Object.entries(props.env ?? {})) this._env[k] = typeof v === 'string' ? EnvValue.fromValue(v) : v;
    this._volumes = (props.volumes ?? []).map((v) => ({ ...v }));
    this._writablePaths = [...(props.writablePaths ?? [])];
    this._dependsOn = [...(props.dependsOn ?? [])];
    this.validateOwnProps(props);
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

  /** Names of the services this one depends on. */
  public get dependsOn(): string[] {
    return this._dependsOn.map((d) => (typeof d === 'string' ? d : d.name));
  }

  /** Adds an environment variable. */
  public addEnv(name: string, value: string | EnvValue): void {
    const v = typeof value === 'string' ? EnvValue.fromValue(value) : value;
    this.validateEnv(name, v);
    this._env[name] = v;
  }

  /** Adds a persistent volume. */
  public addVolume(volume: PersistentVolume): void {
    this._volumes.push({ ...volume });
    this.validateMounts();
  }

  /** Adds a dependency. */
  public addDependency(service: Service | string): void {
    this._dependsOn.push(service);
  }

  /** Every path this service mounts something at, with what is mounted there. */
  protected mountPaths(): Array<[string, string]> {
    return [
      ...this._volumes.map((v): [string, string] => [v.path, `volume '${v.name}'`]),
      ...this._writablePaths.map((p): [string, string] => [p, 'a writable path']),
    ];
  }

  private validateOwnProps(props: ServiceProps): void {
    assertDnsLabel(this, 'service name', this.name);
    if (this.image !== undefined) validateImage(this, this.image);
    if (this.command !== undefined && (this.command.length === 0 || this.command.some((c) => typeof c !== 'string'))) {
      fail(this, `command ${show(this.command)} is invalid: give a non-empty list of strings, or leave it out to use the image's`);
    }
    const seenPorts = new Set<number>();
    const seenNames = new Set<string>();
    this.ports.forEach((p, i) => {
      assertInteger(this, 'container port', p.port, 1, 65535);
      if (p.hostPort !== undefined) assertInteger(this, 'host port', p.hostPort, 1, 65535);
      if (seenPorts.has(p.port)) fail(this, `container port ${p.port} is declared twice: declare each port once`);
      seenPorts.add(p.port);
      const name = portName(p, i);
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 15 || !/[a-z]/.test(name)) {
        fail(this, `port name ${show(name)} is invalid: use at most 15 lower-case letters, digits and '-', with at least one letter`);
      }
      if (seenNames.has(name)) fail(this, `port name ${show(name)} is used twice: give each port its own name`);
      seenNames.add(name);
    });
    for (const [k, v] of Object.entries(this._env)) this.validateEnv(k, v);
    this.validateMounts();
    for (const [what, cpu] of [['cpu request', this.cpuRequest], ['cpu limit', this.cpuLimit]] as const) {
      if (!(cpu instanceof Cpu) || !Number.isInteger(cpu.millis) || cpu.millis < 1) {
        fail(this, `${what} ${show(cpu instanceof Cpu ? `${cpu.millis}m` : cpu)} is invalid: use Cpu.millis(n) or Cpu.units(n) with at least 1 millicore`);
      }
    }
    if (this.cpuRequest.millis > this.cpuLimit.millis) {
      fail(this, `cpu request ${this.cpuRequest.toQuantity()} exceeds cpu limit ${this.cpuLimit.toQuantity()}: the request must be at most the limit`);
    }
    for (const [what, size] of [['memory request', this.memoryRequest], ['memory limit', this.memoryLimit]] as const) {
      if (!(size instanceof Size) || !(size.toMebibytes() >= 4)) {
        fail(this, `${what} ${show(size instanceof Size ? `${size.toMebibytes()}Mi` : size)} is invalid: use Size.mebibytes(n) with at least 4 MiB (Docker's minimum)`);
      }
    }
    if (this.memoryRequest.toMebibytes() > this.memoryLimit.toMebibytes()) {
      fail(this, `memory request ${this.memoryRequest.toMebibytes()}Mi exceeds memory limit ${this.memoryLimit.toMebibytes()}Mi: the request must be at most the limit`);
    }
    if (this.shmSize !== undefined) {
      if (!(this.shmSize instanceof Size) || !(this.shmSize.toMebibytes() >= 1)) {
        fail(this, `shm size ${show(this.shmSize instanceof Size ? `${this.shmSize.toMebibytes()}Mi` : this.shmSize)} is invalid: use Size.mebibytes(n) with at least 1 MiB`);
      }
      if (this.shmSize.toMebibytes() >= this.memoryLimit.toMebibytes()) {
        fail(this, `memory limit ${this.memoryLimit.toMebibytes()}Mi is not above the shm size ${this.shmSize.toMebibytes()}Mi, and /dev/shm counts against it: raise memoryLimit above the shm size or lower shmSize`);
      }
    }
    this.healthCheck?.validate(this, this.ports.map((p) => p.port));
    assertInteger(this, 'user', this.user, 1, 2147483647);
    assertDnsLabel(this, 'component', this.component);
    assertInteger(this, 'replicas', this.replicas, 1, 1000);
    if (this.replicas > 1 && this._volumes.length > 0) {
      fail(this, `replicas ${this.replicas} with ReadWriteOnce volume(s) ${show(this._volumes.map((v) => v.name))}: one claim cannot be mounted by two pods, so use replicas: 1 or drop the volumes`);
    }
    for (const d of props.dependsOn ?? []) {
      if (typeof d !== 'string' && !Service.isService(d)) fail(this, `dependency ${show(d)} is neither a Service nor a service name`);
    }
  }

  private validateEnv(name: string, value: EnvValue): void {
    assertEnvName(this, name);
    if (MANAGED_ENV.includes(name)) {
      fail(this, `environment variable ${name} is set by cdk8s-ml (cache dir, thread counts, GPU visibility): remove it from the declaration`);
    }
    if (!(value instanceof EnvValue)) fail(this, `environment variable ${name} has value ${show(value)}: use a string or an EnvValue`);
    value.validate(this, name);
  }

  private validateMounts(): void {
    const seen = new Map<string, string>();
    const reserved = [TMP_DIR, CACHE_DIR, SHM_DIR, '/run/secrets'];
    for (const v of this._volumes) {
      assertDnsLabel(this, 'volume name', v.name, 63 - this.name.length - 1);
      if (v.size !== undefined && !(v.size instanceof Size && v.size.toMebibytes() >= 1)) {
        fail(this, `volume '${v.name}' size ${show(v.size)} is invalid: use Size.gibibytes(n)`);
      }
      if (v.storageClassName !== undefined) assertDnsLabel(this, 'storage class name', v.storageClassName, 253);
    }
    for (const [path, what] of this.mountPaths()) {
      assertAbsolutePath(this, `mount path of ${what}`, path);
      if (reserved.includes(path)) {
        fail(this, `${what} is mounted at ${show(path)}, which cdk8s-ml mounts itself (${reserved.join(', ')}): choose another path`);
      }
      const other = seen.get(path);
      if (other) fail(this, `${what} and ${other} are both mounted at ${show(path)}: give each its own mount path`);
      seen.set(path, what);
    }
  }
}

/** The name a port gets in both runtimes. */
export function portName(port: ServicePort, index: number): string {
  return port.name ?? (index === 0 ? 'http' : `port-${port.port}`);
}

/** Throws unless `image` is a reference with an explicit, non-`latest` tag or a digest. */
export function validateImage(scope: IConstruct, image: string): void {
  if (typeof image !== 'string' || !IMAGE.test(image)) {
    fail(scope, `image ${show(image)} is not a valid image reference: use '[registry/]name:tag', e.g. 'postgres:16.4-bookworm'`);
  }
  const lastSegment = image.split('/').pop() as string;
  const tag = lastSegment.includes(':') ? lastSegment.split(':')[1].split('@')[0] : undefined;
  if (!image.includes('@sha256:') && (tag === undefined || tag === 'latest')) {
    fail(scope, `image ${show(image)} has ${tag ? "the 'latest' tag" : 'no tag'}: pin an explicit version tag or digest so every deploy runs the same image`);
  }
}

/** Finds every Service under `scope`, in declaration order. */
export function servicesOf(scope: IConstruct): Service[] {
  return scope.node.findAll().filter(Service.isService);
}
