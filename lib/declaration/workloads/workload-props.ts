import type { Duration, Size } from '../../values/cdk8s-values';
import type { Service as ComposeSpecService } from '../../../imports/compose-spec';
import type { Cpu } from '../../values/cpu';
import type { EnvValue } from '../../values/env';
import type { GpuRequest } from '../../values/gpu';
import type { HealthCheck } from '../../values/health-check';
import type { CopySpec, ImageSource } from '../../values/image-source';
import type { ModelSource } from '../../values/model-source';
import type { AutoscalingOptions, ExternalEndpoint, IngressSource, MetricsOptions } from '../../values/production';
import type { WorkloadReference } from '../../values/workload-reference';
import type { Dependency } from './dependency';

/*
 * What a workload is declared with: the props every kind has and the shapes they use (workload.ts checks them).
 */

/** A port the workload listens on. */
export interface WorkloadPort {
  /** The container port. */
  readonly port: number;
  /**
   * The port published on the host under Compose (Kubernetes exposes the Service port inside the cluster).
   * @default - not published
   */
  readonly hostPort?: number;
  /**
   * The host address the published port binds to under Compose.
   * @default - every address
   */
  readonly hostIp?: string;
  /**
   * The port's name (Kubernetes port name, IANA service name).
   * @default - 'http' for the first port, `port-<n>` for the others
   */
  readonly name?: string;
}

/** A persistent volume: a Compose named volume and a Kubernetes PersistentVolumeClaim. */
export interface PersistentVolume {
  /** The volume's short name; the claim is named `<workload>-<name>`. */
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

/** What the dev profile changes for a workload built on an ML base image. */
export interface DevOptions {
  /**
   * The dev profile's command, e.g. with a reload flag.
   * @default - the workload's command
   */
  readonly command?: string[];
  /**
   * The debug port, published on 127.0.0.1 under Compose (an ephemeral host port unless `debugHostPort` is set).
   * @default 5678
   */
  readonly debugPort?: number;
  /**
   * The host port the debug port is published on, on 127.0.0.1.
   * @default - an ephemeral port Docker chooses (`docker compose port <service> <debugPort>` tells which)
   */
  readonly debugHostPort?: number;
  /**
   * The source folder bind-mounted in the dev profile: `from` in the build context, `to` in the container.
   * @default - the first `copy` entry of the build
   */
  readonly source?: CopySpec;
}

/** How a workload drains on shutdown. */
export interface DrainOptions {
  /**
   * The longest a request may take: the server's graceful-shutdown timeout (the workload reads it as
   * SHUTDOWN_TIMEOUT_SECONDS).
   */
  readonly longestRequest: Duration;
  /**
   * How long a Kubernetes pod keeps serving after it is told to stop, so endpoints stop sending it traffic first
   * (a preStop pause).
   * @default Duration.seconds(5)
   */
  readonly preStop?: Duration;
}

/** Properties every workload kind has. */
export interface WorkloadProps {
  /**
   * The workload's name: Compose service, Kubernetes object and Service name, and DNS name in both runtimes.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Where the image comes from: a registry reference with an explicit tag (`'postgres:16.4-bookworm'` is short for
   * `ImageSource.registry(...)`), or `ImageSource.mlBuild(...)` on the profile's ML base image.
   * @default - required
   */
  readonly image?: string | ImageSource;
  /**
   * The command and its arguments, replacing the image's command (Compose `command`, Kubernetes `args`).
   * @default - the image's own
   */
  readonly command?: string[];
  /**
   * Ports the workload listens on.
   * @default - none
   */
  readonly ports?: WorkloadPort[];
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
   * How both runtimes check that the workload is healthy.
   * @default - no health check
   */
  readonly healthCheck?: HealthCheck;
  /**
   * Workloads this one needs, by construct, by name or as a Dependency (e.g. Dependency.optional()). Compose waits
   * for them (healthy, where they have a check) and names the variant of the same profile.
   * @default - none
   */
  readonly dependsOn?: Array<WorkloadReference | string | Dependency>;
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
   * What the workload takes in profiles that give GPUs; `GpuRequest.none()` keeps it on CPU everywhere.
   * @default GpuRequest.none()
   */
  readonly gpu?: GpuRequest;
  /**
   * The GPU request per profile name, overriding `gpu` and the profile's own override in that profile.
   * @default - `gpu` in every profile
   */
  readonly gpuByProfile?: Record<string, GpuRequest>;
  /**
   * The profiles this workload runs in, by name. A workload with a profile list, a build on an ML base image, a GPU
   * request or a dependency on such a workload has one variant per profile.
   * @default - every profile
   */
  readonly profiles?: string[];
  /**
   * Where the model comes from (for a workload built on the ML base image, whose image carries the fetcher): fetched
   * into the volume mounted at /app/models before the server starts.
   * @default ModelSource.none()
   */
  readonly model?: ModelSource;
  /**
   * Graceful drain: the server's shutdown timeout, Compose `stop_grace_period`, Kubernetes
   * `terminationGracePeriodSeconds` and a preStop pause, consistently.
   * @default - the runtimes' defaults (10 s under Compose, 30 s under Kubernetes), no preStop
   */
  readonly drain?: DrainOptions;
  /**
   * How the workload scales with load: a HorizontalPodAutoscaler on CPU (and memory) in profiles without GPUs, a KEDA
   * ScaledObject on GPU utilisation (and in-flight requests) in GPU profiles; Compose runs `minReplicas`.
   * @default - a fixed number of replicas
   */
  readonly autoscaling?: AutoscalingOptions;
  /**
   * Where the workload serves Prometheus metrics: a ServiceMonitor (or scrape annotations) in Kubernetes, a scrape
   * target of the Compose `observability` profile's Prometheus.
   * @default - no metrics
   */
  readonly metrics?: MetricsOptions;
  /**
   * Endpoints outside the app the workload reaches, allowed under network isolation.
   * @default - none
   */
  readonly egress?: ExternalEndpoint[];
  /**
   * Who reaches the workload's published ports (those with a hostPort) under network isolation, e.g. the ingress
   * controller's namespace.
   * @default - nobody outside the app
   */
  readonly ingressFrom?: IngressSource[];
  /**
   * Dev profile conveniences of a workload built on an ML base image.
   * @default - the workload's command, debug port 5678 on 127.0.0.1, the first copied folder bind-mounted
   */
  readonly dev?: DevOptions;
}

/** A patch of a rendered object in one profile or all of them. */
export interface OverrideOptions {
  /**
   * The profile whose output is patched.
   * @default - every profile
   */
  readonly profile?: string;
}

/**
 * A Compose service as the Compose Specification defines it (generated in imports/compose-spec.ts from
 * schemas/compose-spec.json): what `addComposeOverride()` takes, not the library's own `Service` construct.
 */
// (every field of a Compose service is optional already: Partial<> changes nothing but keeps this name in signatures
// and API.md, where a plain alias of an interface shows as `Service`)
export type ComposeServiceSpec = Partial<ComposeSpecService>;

/** @internal */
export interface ComposeOverride { readonly profile?: string; readonly patch: ComposeServiceSpec }
/** @internal */
export interface KubernetesOverride { readonly profile?: string; readonly kind: string; readonly patch: Record<string, unknown> }
