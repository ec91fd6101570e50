import { Construct } from 'constructs';
import { ClusterPreset, checkClusterPreset } from '../values/cluster-preset';
import { freeId, problem, show } from '../internal/errors';
import { GpuRequest, checkGpuRequest } from '../values/gpu';
import { ImageFlavor } from '../values/image-flavor';
import { assertDnsLabel, assertDnsSubdomain, assertLabelValue } from '../internal/names';
import { typeMark } from '../internal/type-mark';

/** Properties of a {@link Profile}. */
export interface ProfileProps {
  /**
   * The profile's name: the Compose profile, the suffix of each ML variant and the folder under `dist/k8s/`.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Which base image the ML variants of this profile build on.
   * @default ImageFlavor.CPU
   */
  readonly flavor?: ImageFlavor;
  /**
   * Whether ML services take GPUs in this profile. Only a CUDA profile may take GPUs.
   * @default - true for ImageFlavor.CUDA, false for ImageFlavor.CPU
   */
  readonly gpus?: boolean;
  /**
   * The GPU request every GPU-taking workload takes in this profile, overriding the workload's own `gpu` (a
   * workload declared with GpuRequest.none() stays on CPU). Implies `gpus: true`.
   * @default - each workload's own `gpu`
   */
  readonly gpu?: GpuRequest;
  /**
   * The targets this profile renders to, by name: `compose` and `kubernetes` (the profile targets this library
   * registers in lib/targets/registry.ts; a new one is a module there).
   * @default - ['compose', 'kubernetes'], or ['compose'] for a dev profile; the `compose` and `kubernetes` props
   *   turn one off
   */
  readonly targets?: string[];
  /**
   * Whether the profile is rendered into `dist/docker/docker-compose.ml.yml`; shorthand for listing `compose` in
   * `targets`.
   * @default true
   */
  readonly compose?: boolean;
  /**
   * Whether the profile is rendered into `dist/k8s/<name>/`; shorthand for listing `kubernetes` in `targets`.
   * @default - true, unless `dev` is set
   */
  readonly kubernetes?: boolean;
  /**
   * The profile Compose runs when no `--profile` is given (written to `dist/docker/.env` as COMPOSE_PROFILES).
   * At most one profile is the default.
   * @default false
   */
  readonly default?: boolean;
  /**
   * Developer conveniences: sources synced into the container, a reload-on-change command and a debug port.
   * @default false
   */
  readonly dev?: boolean;
  /**
   * How a dev profile gets sources into the container: `watch` is Compose Watch (`develop.watch`, Compose 2.22 or
   * newer: `docker compose watch`, or `up --watch` from 2.26), which syncs the sources and rebuilds when the
   * Dockerfile (and so the pinned requirements) changes; `bind` bind-mounts the sources read-only, for any Compose
   * release.
   * @default 'watch'
   */
  readonly devSync?: 'watch' | 'bind';
  /**
   * The kind of cluster the profile's Kubernetes manifests go to: which taints GPU pods tolerate, which labels they
   * select, and whether driver fitness can be required (see ClusterPreset).
   * @default ClusterPreset.generic()
   */
  readonly cluster?: ClusterPreset;
  /**
   * RuntimeClass of GPU pods, e.g. `nvidia` where the NVIDIA runtime is not the node default.
   * @default - the cluster preset's (none for most)
   */
  readonly runtimeClassName?: string;
  /**
   * GPU models the pods may land on, matched against GPU Feature Discovery's `nvidia.com/gpu.product` label (only
   * on a cluster preset with GFD labels, such as ClusterPreset.gpuOperator()).
   * @default - any GPU model
   */
  readonly gpuProducts?: string[];
  /**
   * Least GPU memory in MiB a node's GPUs must have, matched against GFD's `nvidia.com/gpu.memory` label (only on a
   * cluster preset with GFD labels).
   * @default - no minimum
   */
  readonly minGpuMemoryMiB?: number;
}

/**
 * A runtime variant of the ML services: which base image they run on, whether they take GPUs, which targets render
 * it. `cpu`, `gpu` and `dev` are built in; a user adds another as `new Profile(app, 'gpu-large', {...})`.
 */
export class Profile extends Construct {
  /** Whether `x` is a Profile (also one made by another copy of the library). */
  public static isProfile(x: unknown): x is Profile {
    return isMarked(x);
  }

  /** The built-in `cpu` profile: the Compose default, ML services on the CPU base image. */
  public static cpu(scope: Construct): Profile {
    return new Profile(scope, 'cpu', { flavor: ImageFlavor.CPU, default: true });
  }

  /** The built-in `gpu` profile: ML services on the CUDA base image with their GPU request. */
  public static gpu(scope: Construct): Profile {
    return new Profile(scope, 'gpu', { flavor: ImageFlavor.CUDA });
  }

  /** The built-in `dev` profile: the CPU variant with sources mounted, reload and a debug port; Compose only. */
  public static dev(scope: Construct): Profile {
    return new Profile(scope, 'dev', { flavor: ImageFlavor.CPU, dev: true });
  }

  /** The name, after defaults. */
  public readonly name: string;
  /** CPU or CUDA. */
  public readonly flavor: ImageFlavor;
  /** Whether ML services take GPUs in this profile. */
  public readonly takesGpus: boolean;
  /** The GPU request overriding each service's own, when set. */
  public readonly gpuOverride?: GpuRequest;
  /** The targets the profile renders to. */
  public readonly targets: string[];
  /** Whether Compose runs this profile when no `--profile` is given. */
  public readonly isDefault: boolean;
  /** Whether the profile adds developer conveniences. */
  public readonly dev: boolean;
  /** How a dev profile gets sources into the container. */
  public readonly devSync: 'watch' | 'bind';
  /** RuntimeClass of GPU pods, when set. */
  public readonly runtimeClassName?: string;
  /** The kind of cluster the Kubernetes manifests go to. */
  public readonly cluster: ClusterPreset;
  /** GFD `nvidia.com/gpu.product` values pods may land on. */
  public readonly gpuProducts: string[];
  /** Least GPU memory in MiB, when set. */
  public readonly minGpuMemoryMiB?: number;

  constructor(scope: Construct, id: string, props: ProfileProps = {}) {
    super(scope, freeId(scope, id, 'profile'));
    props = props ?? {};
    this.name = props.name ?? id;
    this.flavor = props.flavor ?? ImageFlavor.CPU;
    this.takesGpus = props.gpus ?? (props.gpu !== undefined || this.flavor === ImageFlavor.CUDA);
    this.gpuOverride = props.gpu;
    this.dev = props.dev ?? false;
    this.devSync = props.devSync ?? 'watch';
    const compose = props.compose ?? true;
    const kubernetes = props.kubernetes ?? !this.dev;
    this.targets = props.targets ? [...props.targets] : [...(compose ? ['compose'] : []), ...(kubernetes ? ['kubernetes'] : [])];
    this.isDefault = props.default ?? false;
    this.cluster = props.cluster ?? ClusterPreset.generic();
    this.runtimeClassName = props.runtimeClassName ?? (ClusterPreset.isClusterPreset(this.cluster) ? this.cluster.props.runtimeClassName : undefined);
    this.gpuProducts = [...(props.gpuProducts ?? [])];
    this.minGpuMemoryMiB = props.minGpuMemoryMiB;
    this.validate(props);
  }

  /** Whether the profile renders for Compose. */
  public get compose(): boolean {
    return this.targets.includes('compose');
  }

  /** Whether the profile renders for Kubernetes. */
  public get kubernetes(): boolean {
    return this.targets.includes('kubernetes');
  }

  private validate(props: ProfileProps): void {
    assertDnsLabel(this, 'profile name', this.name, 40);
    if (!Object.values(ImageFlavor).includes(this.flavor)) {
      problem(this, `image flavor ${show(this.flavor)} is unknown: use ${Object.values(ImageFlavor).map((f) => `'${f}'`).join(' or ')}`);
    }
    if (this.takesGpus && this.flavor !== ImageFlavor.CUDA) {
      problem(this, `profile '${this.name}' requests GPUs but its image flavor is ${show(this.flavor)}, which has no CUDA runtime: use flavor ImageFlavor.CUDA or drop the GPU request`);
    }
    if (props.gpus === false && props.gpu) {
      problem(this, `profile '${this.name}' sets gpus: false and a gpu request ${show(props.gpu.resourceName)}: drop one of them`);
    }
    if (props.gpu !== undefined && checkGpuRequest(this, 'profile gpu', props.gpu) && !props.gpu.takesGpus) {
      problem(this, `profile '${this.name}' overrides the GPU request with GpuRequest.none(): set gpus: false instead`);
    }
    if (!['watch', 'bind'].includes(this.devSync)) problem(this, `devSync ${show(this.devSync)} is unknown: use 'watch' (Compose 2.22+) or 'bind'`);
    if (props.devSync !== undefined && !this.dev) problem(this, `profile '${this.name}' sets devSync but is not a dev profile: set dev: true or drop devSync`);
    if (props.targets !== undefined && (props.compose !== undefined || props.kubernetes !== undefined)) {
      problem(this, `profile '${this.name}' sets targets and compose/kubernetes: list the targets only`);
    }
    if (this.targets.length === 0) {
      problem(this, `profile '${this.name}' renders to no target (${show(props.targets ?? 'compose: false, kubernetes: false')}): enable at least one`);
    }
    if (new Set(this.targets).size !== this.targets.length) problem(this, `profile '${this.name}' lists a target twice ${show(this.targets)}: list each once`);
    if (this.dev && this.kubernetes) {
      problem(this, `profile '${this.name}' is a dev profile with kubernetes: true, but its source bind mounts have no Kubernetes equivalent: set kubernetes: false`);
    }
    if (this.isDefault && !this.compose) {
      problem(this, `profile '${this.name}' is the default but is not rendered for Compose: the default applies to Compose only, so set compose: true or default: false`);
    }
    if (this.runtimeClassName !== undefined) assertDnsSubdomain(this, 'runtimeClassName', this.runtimeClassName);
    for (const p of this.gpuProducts) assertLabelValue(this, 'GPU product', p);
    if (this.minGpuMemoryMiB !== undefined && (!Number.isInteger(this.minGpuMemoryMiB) || this.minGpuMemoryMiB < 1)) {
      problem(this, `minGpuMemoryMiB ${show(this.minGpuMemoryMiB)} is invalid: use a whole number of MiB, e.g. 40960`);
    }
    if (checkClusterPreset(this, this.cluster) && (this.gpuProducts.length || this.minGpuMemoryMiB !== undefined) && !this.cluster.props.gfdLabels) {
      problem(this, `profile '${this.name}' selects GPUs by GPU Feature Discovery labels (gpuProducts, minGpuMemoryMiB) on cluster preset '${this.cluster.name}', whose nodes carry none, so its pods would stay Pending: use ClusterPreset.gpuOperator(), or select GPUs with the preset (e.g. ClusterPreset.gke({ accelerator }))`);
    }
    if ((this.runtimeClassName || this.gpuProducts.length || this.minGpuMemoryMiB) && !this.takesGpus) {
      problem(this, `profile '${this.name}' selects GPU nodes (runtimeClassName, gpuProducts or minGpuMemoryMiB) but takes no GPUs: drop the GPU node selection or use a CUDA profile`);
    }
  }
}

const isMarked = typeMark(Profile, 'Profile');
