import { GpuKind } from '../gpu';
import { ImageFlavor } from '../image-flavor';
import type { CopySpec } from '../ml-service';

/*
 * The runtime-neutral description the resolver produces and every renderer reads. It holds resolved facts only
 * (names, numbers, paths relative to the app's root); no construct and no runtime-specific syntax.
 */

/** An environment variable: a literal, or the path of a mounted secret file. */
export interface ResolvedEnv {
  /** The name, after defaults. */
  readonly name: string;
  /** The value (for a secret, the path of its file). */
  readonly value: string;
  /** Set when `value` is the path of a secret file. */
  readonly secret?: ResolvedSecret;
}

/** One key of one secret, mounted as a file under /run/secrets. */
export interface ResolvedSecret {
  /** The Secret name. */
  readonly secret: string;
  /** The key in the Secret. */
  readonly key: string;
  /** File name under /run/secrets, the same in both runtimes. */
  readonly file: string;
}

/** A container port, resolved. */
export interface ResolvedPort {
  /** The name, after defaults. */
  readonly name: string;
  /** The port. */
  readonly port: number;
  /** Published on the host under Compose. */
  readonly hostPort?: number;
}

/** A persistent volume: a Compose named volume, a Kubernetes PersistentVolumeClaim. */
export interface ResolvedVolume {
  /** The volume/claim name, `<service>-<name>`; the same for every variant of a service. */
  readonly claim: string;
  /** The path. */
  readonly path: string;
  /** Size in MiB. */
  readonly sizeMiB: number;
  /** Whether mounted read-only. */
  readonly readOnly: boolean;
  /** Storage class, when set. */
  readonly storageClassName?: string;
}

/** A host folder bind-mounted in development. */
export interface ResolvedBind {
  /** Relative to the app's root directory. */
  readonly source: string;
  /** The Dockerfile stage to build. */
  readonly target: string;
}

/** The GPU request of a variant. */
export interface ResolvedGpu {
  /** The kind. */
  readonly kind: GpuKind;
  /** The Kubernetes extended resource name. */
  readonly resourceName: string;
  /** How many units of the resource. */
  readonly count: number;
  /** MIG device UUIDs for Compose. */
  readonly deviceIds?: string[];
}

/** A health check, resolved. */
export interface ResolvedHealth {
  /** The kind. */
  readonly kind: 'http' | 'command';
  /** The path. */
  readonly path?: string;
  /** The port. */
  readonly port?: number;
  /** The command Compose runs (and Kubernetes too, for command checks). */
  readonly command: string[];
  /** Seconds between checks. */
  readonly intervalSeconds: number;
  /** Seconds the service may take to start. */
  readonly startupSeconds: number;
}

/** How Compose builds an ML variant image. */
export interface ResolvedBuild {
  /** Build context, relative to the app's root directory. */
  readonly context: string;
  /** Dockerfile, relative to the app's root directory. */
  readonly dockerfile: string;
  /** Build arguments. */
  readonly args: Readonly<Record<string, string>>;
  /** The Dockerfile stage to build. */
  readonly target: string;
}

/** Where GPU pods may run. */
export interface ResolvedScheduling {
  /** RuntimeClass of GPU pods, when set. */
  readonly runtimeClassName?: string;
  /** GFD `nvidia.com/gpu.product` values pods may land on. */
  readonly gpuProducts: string[];
  /** Least GPU memory in MiB, when set. */
  readonly minGpuMemoryMiB?: number;
  /** The least `nvidia.com/cuda.driver-version.major` that runs the image's CUDA. */
  readonly minDriverMajor?: number;
}

/** One service in one profile (or a base-stack service, which is the same in every profile). */
export interface ResolvedWorkload {
  /** The service's DNS name, the same in both runtimes and every profile. */
  readonly service: string;
  /** The Compose service key: the name for base services, `<name>-<profile>` for ML variants. */
  readonly key: string;
  /** The profile of an ML variant; undefined for a base-stack service. */
  readonly profile?: string;
  /** Construct path of the declaration, for messages. */
  readonly path: string;
  /** Whether this is an ML service variant. */
  readonly ml: boolean;
  /** The `app.kubernetes.io/component` label. */
  readonly component: string;
  /** The image reference, with its tag. */
  readonly image: string;
  /** The build context, relative to the app root. */
  readonly build?: ResolvedBuild;
  /** The command and its arguments. */
  readonly command?: string[];
  /** Environment variables, declared ones first, then those cdk8s-ml manages. */
  readonly env: ResolvedEnv[];
  /** The ports the service listens on. */
  readonly ports: ResolvedPort[];
  /** Persistent volumes. */
  readonly volumes: ResolvedVolume[];
  /** Writable scratch paths (tmpfs / emptyDir). */
  readonly scratch: string[];
  /** Secret files mounted under /run/secrets. */
  readonly secrets: ResolvedSecret[];
  /** Host folders bind-mounted (dev only). */
  readonly binds: ResolvedBind[];
  /** Size of /dev/shm in MiB, when set. */
  readonly shmMiB?: number;
  /** CPU request in millicores. */
  readonly cpuRequestMillis: number;
  /** CPU limit in millicores. */
  readonly cpuLimitMillis: number;
  /** Memory request in MiB. */
  readonly memoryRequestMiB: number;
  /** Memory limit in MiB. */
  readonly memoryLimitMiB: number;
  /** The GPU request. */
  readonly gpu?: ResolvedGpu;
  /** The health check, when set. */
  readonly health?: ResolvedHealth;
  /** Numeric UID and GID the container runs as. */
  readonly user: number;
  /** Names of the services this one needs. */
  readonly dependsOn: string[];
  /** Pod replicas in Kubernetes. */
  readonly replicas: number;
  /** GPU node selection, for GPU variants. */
  readonly scheduling?: ResolvedScheduling;
}

/** A profile, resolved. */
export interface ResolvedProfile {
  /** The name, after defaults. */
  readonly name: string;
  /** CPU or CUDA. */
  readonly flavor: ImageFlavor;
  /** Whether the profile renders for Compose. */
  readonly compose: boolean;
  /** Whether the profile renders for Kubernetes. */
  readonly kubernetes: boolean;
  /** Whether Compose runs this profile when no `--profile` is given. */
  readonly isDefault: boolean;
}

/** A base image to build. */
export interface ResolvedBaseImage {
  /** The name, after defaults. */
  readonly name: string;
  /** CPU or CUDA. */
  readonly flavor: ImageFlavor;
  /** Full reference, registry included. */
  readonly ref: string;
  /** The upstream image the base starts from. */
  readonly upstream: string;
  /** The pinned torch release, e.g. `2.4.1`. */
  readonly torch: string;
  /** The torchvision release matching torch. */
  readonly torchvision: string;
  /** The Python minor version (CPU flavor). */
  readonly python?: string;
  /** The CUDA version (CUDA flavor). */
  readonly cuda?: string;
  /** Shared runtime packages and their pins. */
  readonly packages: Readonly<Record<string, string>>;
  /** Numeric UID and GID the image runs as. */
  readonly uid: number;
  /** Folder of its Dockerfile, relative to the app's root directory. */
  readonly dir: string;
}

/** One flavor of a service image. */
export interface ResolvedImageVariant {
  /** CPU or CUDA. */
  readonly flavor: ImageFlavor;
  /** The full image reference of this flavor. */
  readonly ref: string;
  /** The base image it builds on. */
  readonly base: ResolvedBaseImage;
}

/** A service image, built once per flavor its profiles use. */
export interface ResolvedServiceImage {
  /** The name, after defaults. */
  readonly name: string;
  /** The path. */
  readonly path: string;
  /** The build context. */
  readonly context: string;
  /** Relative to the app's root directory. */
  readonly dockerfile: string;
  /** Whether cdk8s-ml writes the Dockerfile (false: the service brings its own). */
  readonly synthesized: boolean;
  /** Service-specific pip pins. */
  readonly pipPackages: Readonly<Record<string, string>>;
  /** Pip pins of the `dev` build stage. */
  readonly devPackages: Readonly<Record<string, string>>;
  /** Files copied from the build context into the image. */
  readonly copy: CopySpec[];
  /** The command and its arguments. */
  readonly command: string[];
  /** The port. */
  readonly port: number;
  /** Numeric UID and GID the image runs as. */
  readonly uid: number;
  /** The BASE_IMAGE default written into the Dockerfile. */
  readonly defaultBase: string;
  /** Per flavor used: the image reference and the base image reference it builds on. */
  readonly variants: ResolvedImageVariant[];
}

/** Everything the renderers need, for one app. */
export interface ResolvedStack {
  /** The name, after defaults. */
  readonly name: string;
  /** Kubernetes namespace of every object, when set. */
  readonly namespace?: string;
  /** Output folder relative to the app's root directory, e.g. `dist`. */
  readonly outdir: string;
  /** The profiles. */
  readonly profiles: ResolvedProfile[];
  /** Base-stack services, the same in every profile. */
  readonly base: ResolvedWorkload[];
  /** ML variants, service by service, in profile order. */
  readonly variants: ResolvedWorkload[];
  /** Base images to build. */
  readonly baseImages: ResolvedBaseImage[];
  /** Service images to build. */
  readonly serviceImages: ResolvedServiceImage[];
}
