import type { Service as ComposeServiceSpec } from '../../imports/compose-spec';
import type { GpuToleration, NodeRequirement, PreferredNodeRequirement } from '../values/cluster-preset';
import type { GpuKind } from '../values/gpu';
import type { ImageFlavor } from '../values/image-flavor';
import type { CopySpec } from '../values/image-source';
import type { KubernetesPolicy } from './policy';

/*
 * The runtime-neutral description the resolver produces and every target reads. It holds resolved facts only
 * (names, numbers, paths relative to the app's root, values as the process must see them); no construct and no
 * runtime-specific syntax or escaping. Every type here is internal: targets code against it, users never see it.
 */

/** @internal An environment variable, with the value the process must see. */
export interface ResolvedEnv {
  readonly name: string;
  /** The value exactly as the process reads it (for a secret, the path of its file). */
  readonly value: string;
  /** Set when `value` is the path of a secret file. */
  readonly secret?: ResolvedSecret;
}

/** @internal One key of one secret, mounted as a file at `path` in both runtimes. */
export interface ResolvedSecret {
  readonly secret: string;
  readonly key: string;
  /** `/run/secrets/<secret>/<key>`. */
  readonly path: string;
  /** The Compose top-level secret name, `<secret>_<key>` (a secret name has no '_', so it is injective). */
  readonly composeName: string;
}

/** @internal A container port. */
export interface ResolvedPort {
  readonly name: string;
  readonly port: number;
  /** Published on the host under Compose; `0` asks for an ephemeral port. */
  readonly hostPort?: number;
  readonly hostIp?: string;
}

/** @internal A persistent volume: a Compose named volume, a Kubernetes claim (or claim template). */
export interface ResolvedVolume {
  /** The short name (the claim template's name for stateful workloads). */
  readonly name: string;
  /** The claim / Compose volume name, `<workload>-<name>`, the same for every variant. */
  readonly claim: string;
  readonly path: string;
  readonly sizeMiB: number;
  readonly readOnly: boolean;
  readonly storageClassName?: string;
  /** A volume each pod fills itself (a fetched model with replicas): an emptyDir per pod in Kubernetes. */
  readonly perPod: boolean;
}

/** @internal The fetch of a model version before the server starts. */
export interface ResolvedModelFetch {
  /** The Compose service key of the one-shot fetch service, `<workload>-fetch-<profile>`. */
  readonly key: string;
  /** The fetcher's command line. */
  readonly command: string[];
  readonly env: ResolvedEnv[];
  readonly secrets: ResolvedSecret[];
  /** The volume it fills. */
  readonly volume: ResolvedVolume;
  /** The endpoint workload it waits for (Compose), when the endpoint is one of the app's. */
  readonly endpoint?: ResolvedDependency;
}

/** @internal Autoscaling, resolved. */
export interface ResolvedAutoscaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly cpuUtilization: number;
  readonly memoryUtilization?: number;
  readonly gpuUtilization: number;
  readonly inFlightRequests?: { readonly metric: string; readonly perReplica: number };
  readonly cooldownSeconds: number;
  readonly prometheusUrl: string;
}

/** @internal A graceful drain, in seconds. */
export interface ResolvedDrain {
  /** The server's graceful-shutdown timeout. */
  readonly timeoutSeconds: number;
  /** The Kubernetes preStop pause. */
  readonly preStopSeconds: number;
  /** Compose stop_grace_period and Kubernetes terminationGracePeriodSeconds: at least preStop + timeout. */
  readonly graceSeconds: number;
}

/** @internal A host folder bind-mounted in development. */
export interface ResolvedBind {
  /** Relative to the app's root directory. */
  readonly source: string;
  readonly target: string;
}

/** @internal The GPU request of a variant. */
export interface ResolvedGpu {
  readonly kind: GpuKind;
  readonly resourceName: string;
  readonly count: number;
  readonly deviceIds?: string[];
}

/** @internal A health check. */
export interface ResolvedHealth {
  readonly kind: 'http' | 'command';
  readonly path?: string;
  readonly livenessPath?: string;
  readonly port?: number;
  /** The command Compose runs (and Kubernetes too, for command checks). */
  readonly command: string[];
  readonly intervalSeconds: number;
  readonly startupSeconds: number;
}

/** @internal How an image built on an ML base is built for one variant. */
export interface ResolvedBuild {
  /** Relative to the app's root directory. */
  readonly context: string;
  /** Relative to the app's root directory. */
  readonly dockerfile: string;
  readonly args: Readonly<Record<string, string>>;
  /** The Dockerfile stage. */
  readonly target: string;
}

/** @internal Where GPU pods may run, from the profile's cluster preset. */
export interface ResolvedScheduling {
  readonly preset: string;
  readonly runtimeClassName?: string;
  readonly tolerations: GpuToleration[];
  readonly nodeSelector: Record<string, string>;
  readonly required: NodeRequirement[];
  readonly preferred: PreferredNodeRequirement[];
  /** Set when an init container checks the node's driver: the least driver major the image's CUDA needs. */
  readonly driverCheckMinMajor?: number;
  /** Which labels name the workload's pod on DCGM series in this cluster's Prometheus. */
  readonly dcgmLabels: 'exported' | 'honored';
}

/** @internal A dependency, resolved to the variant of the same profile. */
export interface ResolvedDependency {
  /** The workload name (DNS name in both runtimes). */
  readonly service: string;
  /** The Compose service key of the variant depended on. */
  readonly key: string;
  /** Whether it has a health check to wait for. */
  readonly healthy: boolean;
  /** Whether it is a job (Compose waits for it to complete). */
  readonly job: boolean;
}

/** @internal The kind-specific part of a workload; every target switches on `kind`. */
export type WorkloadKindSpec =
  | { readonly kind: 'service'; readonly replicas: number }
  | { readonly kind: 'stateful'; readonly replicas: number }
  | {
    readonly kind: 'job';
    readonly backoffLimit: number;
    readonly activeDeadlineSeconds?: number;
    readonly ttlSecondsAfterFinished?: number;
    readonly schedule?: string;
    readonly concurrencyPolicy: 'Forbid' | 'Allow' | 'Replace';
  };

/** @internal What every workload kind has, in one profile (or once, for profile-independent workloads). */
export interface ResolvedContainer {
  /** The workload's DNS name, the same in both runtimes and every profile. */
  readonly service: string;
  /** The Compose service key: the name, or `<name>-<profile>` for a per-profile variant. */
  readonly key: string;
  /** The profile of a variant; undefined for a profile-independent workload. */
  readonly profile?: string;
  /** Construct path of the declaration, for messages. */
  readonly path: string;
  /** Whether the image is built on an ML base image. */
  readonly ml: boolean;
  readonly component: string;
  readonly image: string;
  readonly build?: ResolvedBuild;
  readonly command?: string[];
  /** Declared variables first, then those cdk8s-ml manages. */
  readonly env: ResolvedEnv[];
  readonly ports: ResolvedPort[];
  readonly volumes: ResolvedVolume[];
  /** Writable scratch paths (tmpfs / emptyDir). */
  readonly scratch: string[];
  readonly secrets: ResolvedSecret[];
  /** Host folders bind-mounted (dev only, devSync 'bind'). */
  readonly binds: ResolvedBind[];
  /** Compose Watch (dev only, devSync 'watch'): folders synced into the container, files that trigger a rebuild. */
  readonly watch?: { readonly sync: ResolvedBind[]; readonly rebuild: string[] };
  readonly shmMiB?: number;
  readonly cpuRequestMillis: number;
  readonly cpuLimitMillis: number;
  readonly memoryRequestMiB: number;
  readonly memoryLimitMiB: number;
  readonly gpu?: ResolvedGpu;
  readonly health?: ResolvedHealth;
  readonly user: number;
  readonly dependsOn: ResolvedDependency[];
  readonly scheduling?: ResolvedScheduling;
  readonly modelFetch?: ResolvedModelFetch;
  /**
   * Compose only: the one-shot (service `key`) that gives these volumes to the workload's user before it starts, as
   * fsGroup does in Kubernetes.
   */
  readonly volumeOwner?: { readonly key: string; readonly volumes: readonly ResolvedVolume[] };
  readonly drain?: ResolvedDrain;
  readonly autoscaling?: ResolvedAutoscaling;
  readonly metrics?: { readonly port: number; readonly portName: string; readonly path: string; readonly intervalSeconds: number };
  readonly egress: Array<{ readonly cidr: string; readonly port: number; readonly protocol: 'TCP' | 'UDP' }>;
  readonly ingressFrom: Array<{ readonly namespaceLabels?: Record<string, string>; readonly podLabels?: Record<string, string>; readonly cidr?: string }>;
  /** Kubernetes policies of the workload and the app. */
  readonly policies: KubernetesPolicy[];
  readonly composeOverrides: ComposeServiceSpec[];
  /** Patches by kind; a profile-independent workload keeps each patch's profile, which the target filters on. */
  readonly kubernetesOverrides: Array<{ readonly kind: string; readonly patch: Record<string, unknown>; readonly profile?: string }>;
}

/** @internal One workload in one profile: the common part and its kind's spec. */
export type ResolvedWorkload = ResolvedContainer & WorkloadKindSpec;

/** @internal A profile. */
export interface ResolvedProfile {
  readonly name: string;
  readonly flavor: ImageFlavor;
  /** Target names. */
  readonly targets: string[];
  readonly isDefault: boolean;
  readonly dev: boolean;
}

/** @internal A base image version to build. */
export interface ResolvedBaseImage {
  /** Its build target and folder name (the construct id). */
  readonly key: string;
  /** The image name, e.g. `ml-base-cpu`. */
  readonly name: string;
  /** The tag, e.g. `2.4-py3.10`. */
  readonly tag: string;
  /** The torch minor version, e.g. `2.4`. */
  readonly torchMinor: string;
  /** The pip constraints file's content, when given. */
  readonly constraints?: string;
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
  /** Folder of its Dockerfile, relative to the output folder. */
  readonly dir: string;
}

/** @internal One flavor of a built image. */
export interface ResolvedImageVariant {
  readonly flavor: ImageFlavor;
  readonly ref: string;
  readonly base: ResolvedBaseImage;
}

/** @internal An image built on an ML base, once per flavor its profiles use. */
export interface ResolvedServiceImage {
  readonly name: string;
  readonly path: string;
  /** Relative to the app's root directory. */
  readonly context: string;
  /** Relative to the app's root directory. */
  readonly dockerfile: string;
  /** Whether cdk8s-ml writes the Dockerfile (false: the workload brings its own). */
  readonly synthesized: boolean;
  readonly pipPackages: Readonly<Record<string, string>>;
  readonly devPackages: Readonly<Record<string, string>>;
  readonly copy: CopySpec[];
  /**
   * The build context's own `.dockerignore` lines: BuildKit reads the emitted `<Dockerfile>.dockerignore` instead of
   * it, so they are carried into that file.
   */
  readonly contextIgnore: string[];
  readonly command?: string[];
  readonly port?: number;
  readonly uid: number;
  /** The BASE_IMAGE default written into the Dockerfile. */
  readonly defaultBase: string;
  readonly variants: ResolvedImageVariant[];
}

/** @internal An extra Kubernetes object of a profile (the escape hatch). */
export interface ResolvedManifest {
  readonly profile: string;
  readonly path: string;
  readonly object: Record<string, unknown>;
  /** Set when the user accepted a kind without a schema, with its scope. */
  readonly unknownKind?: 'namespaced' | 'cluster';
}

/** @internal Everything the targets need, for one app. */
export interface ResolvedStack {
  readonly name: string;
  /** Registry prefix of built images; empty for none. */
  readonly registry: string;
  readonly namespace?: string;
  /** Output folder relative to the app's root directory, e.g. `dist`. */
  readonly outdir: string;
  readonly profiles: ResolvedProfile[];
  /** Profile-independent workloads, the same in every profile. */
  readonly base: ResolvedWorkload[];
  /** Per-profile variants, workload by workload, in profile order. */
  readonly variants: ResolvedWorkload[];
  readonly baseImages: ResolvedBaseImage[];
  readonly serviceImages: ResolvedServiceImage[];
  readonly manifests: ResolvedManifest[];
  /** Whether the app isolates workloads by their dependency graph (a NetworkIsolationPolicy is registered). */
  readonly networkIsolation: boolean;
  /** How Kubernetes Prometheus finds metrics: Prometheus Operator ServiceMonitors, or scrape annotations. */
  readonly monitoring: 'service-monitor' | 'annotations';
}

/**
 * The workloads of one profile: the profile-independent ones and that profile's variants.
 * @internal
 */
export function workloadsIn(stack: ResolvedStack, profile: string): ResolvedWorkload[] {
  return [...stack.base, ...stack.variants.filter((w) => w.profile === profile)];
}

/**
 * Fails to compile when a kind is not handled: call it in the `default` of a switch on `kind`.
 * @internal
 */
export function assertNever(x: never): never {
  throw new Error(`unhandled workload kind ${JSON.stringify(x)}`);
}
