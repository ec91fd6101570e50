import { Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { Cpu } from './cpu';
import { fail, show } from './errors';
import { GpuRequest } from './gpu';
import { HealthCheck, HttpHealthCheckOptions } from './health-check';
import { assertAbsolutePath, assertDnsLabel, assertInteger } from './names';
import { Service, ServiceProps } from './service';

/** Where ADR-007 keeps model artifacts: a per-service volume mounted here. */
export const MODELS_DIR = '/app/models';

/** A file or folder of the build context copied into the service image. */
export interface CopySpec {
  /** Path inside the build context. */
  readonly from: string;
  /** Absolute path in the image. */
  readonly to: string;
}

/** Properties of an {@link MlService}. */
export interface MlServiceProps extends Omit<ServiceProps, 'image' | 'healthCheck'> {
  /** The build context, relative to the app's root directory, e.g. `services/sk-regression`. */
  readonly build: string;
  /**
   * The command; also the image's CMD.
   */
  readonly command: string[];
  /**
   * CPU guaranteed to the container.
   * @default Cpu.millis(500)
   */
  readonly cpuRequest?: Cpu;
  /**
   * CPU the container may use at most; OMP_NUM_THREADS and MKL_NUM_THREADS follow it.
   * @default Cpu.units(2)
   */
  readonly cpuLimit?: Cpu;
  /**
   * Memory guaranteed to the container.
   * @default Size.gibibytes(2)
   */
  readonly memoryRequest?: Size;
  /**
   * Memory the container may use at most; must exceed shmSize.
   * @default Size.gibibytes(4)
   */
  readonly memoryLimit?: Size;
  /**
   * Size of /dev/shm (PyTorch data loaders need more than Docker's 64 MiB).
   * @default Size.gibibytes(1)
   */
  readonly shmSize?: Size;
  /**
   * The `app.kubernetes.io/component` label.
   * @default 'ml-service'
   */
  readonly component?: string;
  /**
   * The container port the service serves HTTP on.
   * @default 8000
   */
  readonly port?: number;
  /**
   * The port published on the host under Compose.
   * @default - the container port
   */
  readonly hostPort?: number;
  /**
   * The HTTP health endpoint.
   * @default '/health'
   */
  readonly healthPath?: string;
  /**
   * Health check timing; model loading can be slow, so the startup window is long.
   * @default - startupTimeout of 10 minutes, interval of 10 seconds
   */
  readonly healthCheckOptions?: HttpHealthCheckOptions;
  /**
   * What the service takes in a profile that gives GPUs (unless the profile overrides it).
   * @default GpuRequest.whole(1)
   */
  readonly gpu?: GpuRequest;
  /**
   * Size of the model volume mounted at /app/models.
   * @default Size.gibibytes(10)
   */
  readonly modelVolumeSize?: Size;
  /**
   * Service-specific pip packages and their exact versions, installed in a thin layer on the base image.
   * @default - none
   */
  readonly pipPackages?: Record<string, string>;
  /**
   * Files of the build context copied into the image.
   * @default - [{ from: 'app', to: '/app/app' }]
   */
  readonly copy?: CopySpec[];
  /**
   * A Dockerfile of the service's own, relative to the build context, used instead of the synthesized one. It must
   * begin with `ARG BASE_IMAGE=...` and `FROM ${BASE_IMAGE}`; the synth checks that.
   * @default - synthesized into dist/docker/images/<name>/Dockerfile
   */
  readonly dockerfile?: string;
  /**
   * The image tag's version part; variants are tagged `<version>-cpu` and `<version>-cuda`.
   * @default '0.1.0'
   */
  readonly version?: string;
  /**
   * The dev profile's command: reload on change, debugger listening.
   * @default - the command with `--reload` appended
   */
  readonly devCommand?: string[];
  /**
   * The dev profile's debug port, published on the host.
   * @default 5678
   */
  readonly debugPort?: number;
  /**
   * Extra pip packages of the `dev` build stage.
   * @default - { debugpy: '1.8.5', watchfiles: '0.24.0' }
   */
  readonly devPackages?: Record<string, string>;
  /**
   * The source folder bind-mounted in the dev profile: `from` in the build context, `to` in the container.
   * @default - the first `copy` entry
   */
  readonly devSource?: CopySpec;
  /**
   * The profiles this service has a variant in, by name.
   * @default - every profile
   */
  readonly profiles?: string[];
}

const PIN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * An ML service: built from a thin Dockerfile on a shared base image, with a model volume, shared memory, an HTTP
 * health endpoint and a GPU request that GPU profiles grant.
 */
export class MlService extends Service {
  /** Whether `x` is an MlService. */
  public static isMlService(x: unknown): x is MlService {
    return x instanceof MlService;
  }

  /** The build context, relative to the app root. */
  public readonly build: string;
  /** The GPU request. */
  public readonly gpu: GpuRequest;
  /** Service-specific pip pins. */
  public readonly pipPackages: Readonly<Record<string, string>>;
  /** Files copied from the build context into the image. */
  public readonly copy: CopySpec[];
  /** The service's own Dockerfile, relative to the context; undefined when synthesized. */
  public readonly dockerfile?: string;
  /** The version part of image tags. */
  public readonly version: string;
  /** The dev profile's command. */
  public readonly devCommand: string[];
  /** The dev profile's debug port. */
  public readonly debugPort: number;
  /** Pip pins of the `dev` build stage. */
  public readonly devPackages: Readonly<Record<string, string>>;
  /** The source folder bind-mounted in the dev profile. */
  public readonly devSource: CopySpec;
  /** Profile names this service is limited to; undefined for every profile. */
  public readonly profiles?: string[];

  constructor(scope: Construct, id: string, props: MlServiceProps) {
    const port = props.port ?? 8000;
    const healthPath = props.healthPath ?? '/health';
    const health = props.healthCheckOptions ?? {};
    super(scope, id, {
      cpuRequest: Cpu.millis(500),
      cpuLimit: Cpu.units(2),
      memoryRequest: Size.gibibytes(2),
      memoryLimit: Size.gibibytes(4),
      shmSize: Size.gibibytes(1),
      component: 'ml-service',
      ...props,
      ports: [{ port, hostPort: props.hostPort ?? port, name: 'http' }, ...(props.ports ?? [])],
      healthCheck: HealthCheck.http(healthPath, {
        ...health,
        // model loading (and a first CUDA init) takes minutes; cdk8s-plus's default startup probe allows about 30 s
        startupTimeout: health.startupTimeout ?? Duration.minutes(10),
        composeCommand: health.composeCommand ?? pythonHttpCheck(health.port ?? port, healthPath),
      }),
      volumes: [{ name: 'models', path: MODELS_DIR, size: props.modelVolumeSize ?? Size.gibibytes(10) }, ...(props.volumes ?? [])],
    });
    this.build = props.build;
    this.gpu = props.gpu ?? GpuRequest.whole(1);
    this.pipPackages = { ...(props.pipPackages ?? {}) };
    this.copy = (props.copy ?? [{ from: 'app', to: '/app/app' }]).map((c) => ({ ...c }));
    this.dockerfile = props.dockerfile;
    this.version = props.version ?? '0.1.0';
    this.devCommand = [...(props.devCommand ?? [...props.command, '--reload'])];
    this.debugPort = props.debugPort ?? 5678;
    this.devPackages = { ...(props.devPackages ?? { debugpy: '1.8.5', watchfiles: '0.24.0' }) };
    this.devSource = { ...(props.devSource ?? this.copy[0] ?? { from: '.', to: '/app' }) };
    this.profiles = props.profiles ? [...props.profiles] : undefined;
    this.validateMl(props);
  }

  private validateMl(props: MlServiceProps): void {
    if (typeof this.build !== 'string' || this.build.length === 0 || this.build.startsWith('/') || this.build.split('/').includes('..')) {
      fail(this, `build context ${show(this.build)} is invalid: give a folder relative to the app's root directory, e.g. 'services/sk-regression'`);
    }
    if (!props.command || props.command.length === 0) {
      fail(this, 'command is missing: an ML service declares the command its image runs, e.g. [\'uvicorn\', \'app.main:app\']');
    }
    this.gpu.validate(this);
    for (const [what, pkgs] of [['pip package', this.pipPackages], ['dev package', this.devPackages]] as const) {
      for (const [name, version] of Object.entries(pkgs)) {
        if (!PIN.test(name) || !PIN.test(version)) {
          fail(this, `${what} pin ${show(`${name}==${version}`)} is invalid: give a package name and an exact version, e.g. { 'scikit-learn': '1.5.2' }`);
        }
      }
    }
    for (const c of [...this.copy, this.devSource]) {
      if (typeof c.from !== 'string' || c.from.startsWith('/') || c.from.split('/').includes('..')) {
        fail(this, `copy source ${show(c.from)} is invalid: give a path inside the build context`);
      }
      assertAbsolutePath(this, 'copy destination', c.to);
    }
    assertDnsLabel(this, 'version', this.version.replace(/\./g, '-'), 100);
    assertInteger(this, 'debug port', this.debugPort, 1, 65535);
    if (this.ports.some((p) => p.port === this.debugPort || p.hostPort === this.debugPort)) {
      fail(this, `debug port ${this.debugPort} collides with a service port ${show(this.ports.map((p) => p.port))}: choose another debugPort`);
    }
    if (this.dockerfile !== undefined && (this.dockerfile.startsWith('/') || this.dockerfile.split('/').includes('..'))) {
      fail(this, `dockerfile ${show(this.dockerfile)} is invalid: give a path inside the build context, e.g. 'Dockerfile'`);
    }
  }
}

/** Compose's HTTP check: python is in every ML image, curl is not in python-slim. */
function pythonHttpCheck(port: number, path: string): string[] {
  return ['python', '-c', `import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:${port}${path}', timeout=5).status < 400 else 1)`];
}
