import { GpuKind } from '../gpu';
import { ImageFlavor } from '../image-flavor';

/*
 * The runtime-neutral description the resolver produces and every renderer reads. It holds resolved facts only
 * (names, numbers, paths relative to the app's root); no construct and no runtime-specific syntax.
 */

/** An environment variable: a literal, or the path of a mounted secret file. */
export interface ResolvedEnv {
  readonly name: string;
  readonly value: string;
  /** Set when `value` is the path of a secret file. */
  readonly secret?: ResolvedSecret;
}

/** One key of one secret, mounted as a file under /run/secrets. */
export interface ResolvedSecret {
  readonly secret: string;
  readonly key: string;
  /** File name under /run/secrets, the same in both runtimes. */
  readonly file: string;
}

export interface ResolvedPort {
  readonly name: string;
  readonly port: number;
  /** Published on the host under Compose. */
  readonly hostPort?: number;
}

/** A persistent volume: a Compose named volume, a Kubernetes PersistentVolumeClaim. */
export interface ResolvedVolume {
  /** The volume/claim name, `<service>-<name>`; the same for every variant of a service. */
  readonly claim: string;
  readonly path: string;
  readonly sizeMiB: number;
  readonly readOnly: boolean;
  readonly storageClassName?: string;
}

/** A host folder bind-mounted in development. */
export interface ResolvedBind {
  /** Relative to the app's root directory. */
  readonly source: string;
  readonly target: string;
}

export interface ResolvedGpu {
  readonly kind: GpuKind;
  readonly resourceName: string;
  readonly count: number;
  readonly deviceIds?: string[];
}

export interface ResolvedHealth {
  readonly kind: 'http' | 'command';
  readonly path?: string;
  readonly port?: number;
  /** The command Compose runs (and Kubernetes too, for command checks). */
  readonly command: string[];
  readonly intervalSeconds: number;
  readonly startupSeconds: number;
}

export interface ResolvedBuild {
  /** Build context, relative to the app's root directory. */
  readonly context: string;
  /** Dockerfile, relative to the app's root directory. */
  readonly dockerfile: string;
  readonly args: Readonly<Record<string, string>>;
  /** The Dockerfile stage to build. */
  readonly target: string;
}

/** Where GPU pods may run. */
export interface ResolvedScheduling {
  readonly runtimeClassName?: string;
  readonly gpuProducts: string[];
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
  readonly ml: boolean;
  readonly component: string;
  readonly image: string;
  readonly build?: ResolvedBuild;
  readonly command?: string[];
  readonly env: ResolvedEnv[];
  readonly ports: ResolvedPort[];
  readonly volumes: ResolvedVolume[];
  /** Writable scratch paths (tmpfs / emptyDir). */
  readonly scratch: string[];
  readonly secrets: ResolvedSecret[];
  readonly binds: ResolvedBind[];
  readonly shmMiB?: number;
  readonly cpuRequestMillis: number;
  readonly cpuLimitMillis: number;
  readonly memoryRequestMiB: number;
  readonly memoryLimitMiB: number;
  readonly gpu?: ResolvedGpu;
  readonly health?: ResolvedHealth;
  readonly user: number;
  readonly dependsOn: string[];
  readonly replicas: number;
  readonly scheduling?: ResolvedScheduling;
}

export interface ResolvedProfile {
  readonly name: string;
  readonly flavor: ImageFlavor;
  readonly compose: boolean;
  readonly kubernetes: boolean;
  readonly isDefault: boolean;
}

/** A base image to build. */
export interface ResolvedBaseImage {
  readonly name: string;
  readonly flavor: ImageFlavor;
  /** Full reference, registry included. */
  readonly ref: string;
  readonly upstream: string;
  readonly torch: string;
  readonly torchvision: string;
  readonly python?: string;
  readonly cuda?: string;
  readonly packages: Readonly<Record<string, string>>;
  readonly uid: number;
  /** Folder of its Dockerfile, relative to the app's root directory. */
  readonly dir: string;
}

/** A service image, built once per flavor its profiles use. */
export interface ResolvedServiceImage {
  readonly name: string;
  readonly path: string;
  readonly context: string;
  /** Relative to the app's root directory. */
  readonly dockerfile: string;
  /** Whether cdk8s-ml writes the Dockerfile (false: the service brings its own). */
  readonly synthesized: boolean;
  readonly pipPackages: Readonly<Record<string, string>>;
  readonly devPackages: Readonly<Record<string, string>>;
  readonly copy: Array<{ from: string; to: string }>;
  readonly command: string[];
  readonly port: number;
  readonly uid: number;
  readonly defaultBase: string;
  /** Per flavor used: the image reference and the base image reference it builds on. */
  readonly variants: Array<{ flavor: ImageFlavor; ref: string; base: ResolvedBaseImage }>;
}

/** Everything the renderers need, for one app. */
export interface ResolvedStack {
  readonly name: string;
  readonly namespace?: string;
  /** Output folder relative to the app's root directory, e.g. `dist`. */
  readonly outdir: string;
  readonly profiles: ResolvedProfile[];
  /** Base-stack services, the same in every profile. */
  readonly base: ResolvedWorkload[];
  /** ML variants, service by service, in profile order. */
  readonly variants: ResolvedWorkload[];
  readonly baseImages: ResolvedBaseImage[];
  readonly serviceImages: ResolvedServiceImage[];
}
