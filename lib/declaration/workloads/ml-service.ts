import { Duration, Size } from '../../values/cdk8s-values';
import { Construct } from 'constructs';
import { Cpu } from '../../values/cpu';
import { GpuRequest } from '../../values/gpu';
import { HealthCheck, HttpHealthCheckOptions } from '../../values/health-check';
import { CopySpec, ImageSource, MlBuildProps } from '../../values/image-source';
import { Service, ServiceProps } from './service';
import { MODELS_DIR } from '../../model/paths';

/**
 * Properties of an {@link MlService}: those of a Service, the build on the ML base image (`build` is its context),
 * and ML defaults.
 */
export interface MlServiceProps extends Omit<ServiceProps, 'image' | 'healthCheck'>, Omit<MlBuildProps, 'context'> {
  /** The build context, relative to the app's root directory, e.g. `services/sk-regression`. */
  readonly build: string;
  /** The command; also the image's CMD. */
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
   * @default - not published: other services reach it by name; publish one to call it from the host
   */
  readonly hostPort?: number;
  /**
   * The readiness endpoint (readiness and startup probes, Compose's health check): ready once the model is loaded.
   * @default '/readyz'
   */
  readonly healthPath?: string;
  /**
   * The liveness endpoint: the process answers; it must never load or train a model.
   * @default '/livez'
   */
  readonly livenessPath?: string;
  /**
   * Health check timing; model loading can be slow, so the startup window is long.
   * @default - startupTimeout of 10 minutes, interval of 10 seconds
   */
  readonly healthCheckOptions?: HttpHealthCheckOptions;
  /**
   * What the service takes in a profile that gives GPUs (unless the profile overrides it); GpuRequest.none() keeps
   * it on CPU in every profile.
   * @default GpuRequest.whole(1)
   */
  readonly gpu?: GpuRequest;
  /**
   * Size of the model volume mounted at /app/models.
   * @default Size.gibibytes(10)
   */
  readonly modelVolumeSize?: Size;
  /**
   * The dev profile's command: reload on change, debugger listening.
   * @default - the command with `--reload` appended
   */
  readonly devCommand?: string[];
  /**
   * The dev profile's debug port, published on 127.0.0.1 (an ephemeral host port).
   * @default 5678
   */
  readonly debugPort?: number;
  /**
   * The source folder bind-mounted in the dev profile: `from` in the build context, `to` in the container.
   * @default - the first `copy` entry
   */
  readonly devSource?: CopySpec;
}

/**
 * An ML service: a {@link Service} built from a thin Dockerfile on the shared ML base image of each profile, with a
 * model volume, shared memory, an HTTP health endpoint and a GPU request that GPU profiles grant. It is a preset:
 * the same can be declared on any workload kind with `image: ImageSource.mlBuild(...)`.
 */
export class MlService extends Service {
  constructor(scope: Construct, id: string, props: MlServiceProps) {
    const p = props ?? ({} as MlServiceProps);
    const port = p.port ?? 8000;
    const healthPath = p.healthPath ?? '/readyz';
    const health = p.healthCheckOptions ?? {};
    const copy = p.copy ?? [{ from: 'app', to: '/app/app' }];
    super(scope, id, {
      cpuRequest: Cpu.millis(500),
      cpuLimit: Cpu.units(2),
      memoryRequest: Size.gibibytes(2),
      memoryLimit: Size.gibibytes(4),
      shmSize: Size.gibibytes(1),
      component: 'ml-service',
      gpu: GpuRequest.whole(1),
      ...p,
      image: ImageSource.mlBuild({
        context: p.build, pipPackages: p.pipPackages, copy, dockerfile: p.dockerfile, version: p.version, devPackages: p.devPackages,
        base: p.base, compatible: p.compatible,
      }),
      ports: [{ port, hostPort: p.hostPort, name: 'http' }, ...(p.ports ?? [])],
      healthCheck: HealthCheck.http(healthPath, {
        ...health,
        // model loading (and a first CUDA init) takes minutes; cdk8s-plus's default startup probe allows about 30 s
        startupTimeout: health.startupTimeout ?? Duration.minutes(10),
        livenessPath: health.livenessPath ?? p.livenessPath ?? '/livez',
        composeCommand: health.composeCommand ?? pythonHttpCheck(health.port ?? port, healthPath),
      }),
      volumes: [{ name: 'models', path: MODELS_DIR, size: p.modelVolumeSize ?? Size.gibibytes(10) }, ...(p.volumes ?? [])],
      dev: {
        command: p.devCommand ?? (Array.isArray(p.command) ? [...p.command, '--reload'] : undefined),
        debugPort: p.debugPort,
        source: p.devSource,
        ...p.dev,
      },
    });
  }
}

/**
 * Compose's HTTP check: python is in every ML image, curl is not in python-slim. The URL is an argument, never
 * part of the program text.
 */
function pythonHttpCheck(port: number, path: string): string[] {
  return [
    'python', '-c',
    'import sys, urllib.request; sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=5).status < 400 else 1)',
    `http://127.0.0.1:${port}${path}`,
  ];
}
