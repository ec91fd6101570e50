import { IConstruct } from 'constructs';
import { problem, show } from '../internal/errors';
import { assertDnsSubdomain, assertLabelValue, isLabelKey } from '../internal/names';
import { typeMark } from '../internal/type-mark';

/** A toleration of a node taint. */
export interface GpuToleration {
  /** The taint key. */
  readonly key: string;
  /**
   * `Exists` tolerates any value; `Equal` only `value`.
   * @default 'Exists'
   */
  readonly operator?: 'Exists' | 'Equal';
  /**
   * The taint value, for `Equal`.
   * @default - none
   */
  readonly value?: string;
  /** The taint effect. */
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** A node label requirement (Kubernetes NodeSelectorRequirement). */
export interface NodeRequirement {
  /** The label key. */
  readonly key: string;
  /** The operator. */
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  /**
   * The values, for In, NotIn, Gt and Lt.
   * @default - none
   */
  readonly values?: string[];
}

/** A preferred node requirement with its weight. */
export interface PreferredNodeRequirement {
  /** 1 to 100: how much the scheduler prefers nodes that match. */
  readonly weight: number;
  /** The requirement. */
  readonly requirement: NodeRequirement;
}

/**
 * How a cluster's Prometheus labels NVIDIA DCGM exporter series with the pod that holds the GPU. The exporter labels
 * each series `pod`, `namespace` and `container`; a Prometheus that scrapes it through a ServiceMonitor with
 * `honorLabels: false` (the default of the GPU Operator's and the dcgm-exporter chart's monitors) sets those target
 * labels to the exporter's own pod and keeps the workload's as `exported_pod`, `exported_namespace` and
 * `exported_container` (NVIDIA/dcgm-exporter issues 27 and 85; Prometheus `honor_labels`). GKE's managed DCGM
 * collection keeps them as they are (GoogleCloudPlatform/prometheus-engine pull request 1002).
 */
export type DcgmLabels = 'exported' | 'honored';

/** The parts a cluster preset is made of: what a GPU pod gets to schedule on that kind of cluster. */
export interface ClusterPresetProps {
  /** A short name, for messages and the README table. */
  readonly name: string;
  /**
   * Taints GPU nodes carry that GPU pods tolerate.
   * @default - none
   */
  readonly tolerations?: GpuToleration[];
  /**
   * Node labels GPU pods require, as a nodeSelector.
   * @default - none
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Node label requirements GPU pods require, as required node affinity.
   * @default - none
   */
  readonly requiredAffinity?: NodeRequirement[];
  /**
   * Node label requirements GPU pods prefer.
   * @default - none
   */
  readonly preferredAffinity?: PreferredNodeRequirement[];
  /**
   * Whether the nodes carry GPU Feature Discovery labels (`nvidia.com/cuda.driver-version.major`,
   * `nvidia.com/gpu.product`, `nvidia.com/gpu.memory`): driver fitness and GPU model selection become required
   * affinity. Where they are not present, such an affinity would leave the pod Pending forever.
   * @default false
   */
  readonly gfdLabels?: boolean;
  /**
   * RuntimeClass of GPU pods, where the NVIDIA runtime is not the node's default.
   * @default - the node's default runtime
   */
  readonly runtimeClassName?: string;
  /**
   * An init container that compares the node's NVIDIA driver with the image's CUDA requirement and stops the pod
   * with a clear message when it is too old (for clusters without GFD labels, where affinity cannot check it).
   * @default false
   */
  readonly driverCheck?: boolean;
  /**
   * Which labels name the workload's pod on DCGM GPU series in this cluster's Prometheus (GPU autoscaling queries
   * select by them): `exported` for `exported_pod` / `exported_namespace` / `exported_container`, `honored` for
   * `pod` / `namespace` / `container`.
   * @default 'exported'
   */
  readonly dcgmLabels?: DcgmLabels;
}

/** Options every preset takes. */
export interface PresetOptions {
  /**
   * Which labels name the workload's pod on DCGM GPU series (see {@link DcgmLabels}).
   * @default - the platform's usual setup: 'honored' on GKE's managed collection, 'exported' elsewhere
   */
  readonly dcgmLabels?: DcgmLabels;
}

/**
 * Where GPU pods schedule on a kind of cluster: the taints they tolerate, the labels they select and whether driver
 * fitness can be required. Each preset encodes documented facts of its platform (sources beside each).
 *
 * @example ClusterPreset.gke({ accelerator: 'nvidia-l4' })
 */
export class ClusterPreset {
  /**
   * Any cluster where the NVIDIA device plugin runs (the default): the `nvidia.com/gpu` taint tolerated, driver
   * fitness only preferred (GFD labels may not exist; a required affinity on them would leave the pod Pending and
   * keeps Karpenter from provisioning a node).
   */
  public static generic(options: { readonly driverCheck?: boolean } & PresetOptions = {}): ClusterPreset {
    return new ClusterPreset({ name: 'generic', tolerations: [NVIDIA_GPU_TAINT], driverCheck: options.driverCheck, dcgmLabels: options.dcgmLabels });
  }

  /**
   * The NVIDIA GPU Operator, which installs GPU Feature Discovery: driver fitness and GPU model selection are required
   * node affinity on GFD labels. Source: NVIDIA GPU Operator documentation (GFD node labels
   * `nvidia.com/cuda.driver-version.major`, `nvidia.com/gpu.product`, `nvidia.com/gpu.memory`; the operator creates
   * the `nvidia` RuntimeClass).
   */
  public static gpuOperator(options: { readonly runtimeClass?: boolean } & PresetOptions = {}): ClusterPreset {
    return new ClusterPreset({
      name: 'gpu-operator', tolerations: [NVIDIA_GPU_TAINT], gfdLabels: true,
      runtimeClassName: options.runtimeClass ? 'nvidia' : undefined, dcgmLabels: options.dcgmLabels,
    });
  }

  /**
   * Google Kubernetes Engine with GKE-managed drivers: pods select the accelerator type with
   * `cloud.google.com/gke-accelerator`; GKE taints GPU nodes `nvidia.com/gpu:NoSchedule` and its
   * ExtendedResourceToleration admission controller adds the toleration to pods that request GPUs, so none is
   * written. No GFD labels. Source: GKE documentation, "Run GPUs in GKE Standard node pools". DCGM series keep the
   * exporter's `pod` / `namespace` labels under GKE's managed collection (see {@link DcgmLabels}).
   */
  public static gke(options: { readonly accelerator: string; readonly driverCheck?: boolean } & PresetOptions): ClusterPreset {
    return new ClusterPreset({
      name: 'gke', nodeSelector: { 'cloud.google.com/gke-accelerator': options?.accelerator }, driverCheck: options?.driverCheck,
      dcgmLabels: options?.dcgmLabels ?? 'honored',
    });
  }

  /**
   * Amazon EKS with the NVIDIA device plugin (managed node groups or Karpenter): GPU node pools are tainted
   * `nvidia.com/gpu:NoSchedule` by convention, which pods tolerate; instance types are selected with the well-known
   * `node.kubernetes.io/instance-type` label, GPU models on Karpenter nodes with `karpenter.k8s.aws/instance-gpu-name`.
   * No GFD labels. Sources: Amazon EKS user guide, "Target AI/ML workloads to specific nodes with labels"; Karpenter
   * documentation, well-known labels.
   */
  public static eks(options: { readonly instanceTypes?: string[]; readonly karpenterGpuNames?: string[]; readonly driverCheck?: boolean } & PresetOptions = {}): ClusterPreset {
    const required: NodeRequirement[] = [];
    if (options.instanceTypes?.length) required.push({ key: 'node.kubernetes.io/instance-type', operator: 'In', values: [...options.instanceTypes] });
    if (options.karpenterGpuNames?.length) required.push({ key: 'karpenter.k8s.aws/instance-gpu-name', operator: 'In', values: [...options.karpenterGpuNames] });
    return new ClusterPreset({ name: 'eks', tolerations: [NVIDIA_GPU_TAINT], requiredAffinity: required, driverCheck: options.driverCheck, dcgmLabels: options.dcgmLabels });
  }

  /**
   * Azure Kubernetes Service GPU node pools: tainted `sku=gpu:NoSchedule` as AKS's GPU guide creates them (pods
   * tolerate it, and the `nvidia.com/gpu` taint where the NVIDIA GPU Operator runs), and labelled
   * `kubernetes.azure.com/accelerator=nvidia`, which pods prefer. No GFD labels. Sources: AKS documentation, "Use
   * GPUs for compute-intensive workloads on AKS" and "Use labels in an AKS cluster" (reserved system labels).
   */
  public static aks(options: { readonly driverCheck?: boolean } & PresetOptions = {}): ClusterPreset {
    return new ClusterPreset({
      name: 'aks',
      tolerations: [{ key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, NVIDIA_GPU_TAINT],
      preferredAffinity: [{ weight: 100, requirement: { key: 'kubernetes.azure.com/accelerator', operator: 'In', values: ['nvidia'] } }],
      driverCheck: options.driverCheck,
      dcgmLabels: options.dcgmLabels,
    });
  }

  /** A preset of your own, from the same parts. */
  public static custom(props: ClusterPresetProps): ClusterPreset {
    return new ClusterPreset(props);
  }

  /** Whether `x` is a ClusterPreset (also one made by another copy of the library). */
  public static isClusterPreset(x: unknown): x is ClusterPreset {
    return isMarked(x);
  }

  /** The parts. */
  public readonly props: ClusterPresetProps;

  private constructor(props: ClusterPresetProps) {
    this.props = JSON.parse(JSON.stringify(props ?? {}));
  }

  /** The preset's name. */
  public get name(): string {
    return this.props.name;
  }
}

/** The taint NVIDIA's documentation and the GPU Operator use for GPU nodes. */
const NVIDIA_GPU_TAINT: GpuToleration = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };

/**
 * Records every reason a preset cannot render.
 * @internal
 */
export function checkClusterPreset(scope: IConstruct, preset: unknown): preset is ClusterPreset {
  if (!ClusterPreset.isClusterPreset(preset)) {
    return problem(scope, `cluster ${show(preset)} is not a ClusterPreset: use ClusterPreset.generic(), gpuOperator(), gke({ accelerator }), eks(), aks() or custom({...})`);
  }
  const p = preset.props;
  let ok = true;
  if (typeof p.name !== 'string' || !/^[a-z0-9-]{1,40}$/.test(p.name)) ok = problem(scope, `cluster preset name ${show(p.name)} is invalid: use up to 40 lower-case letters, digits and '-'`);
  const key = (k: unknown) => {
    if (!isLabelKey(k) || k.length > 316) ok = problem(scope, `label or taint key ${show(k)} of cluster preset '${p.name}' is invalid: use '[prefix/]name', e.g. 'cloud.google.com/gke-accelerator'`);
  };
  for (const t of p.tolerations ?? []) {
    key(t.key);
    if (!['Exists', 'Equal', undefined].includes(t.operator)) ok = problem(scope, `toleration operator ${show(t.operator)} is invalid: use 'Exists' or 'Equal'`);
    if (!['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect)) ok = problem(scope, `toleration effect ${show(t.effect)} is invalid: use 'NoSchedule', 'PreferNoSchedule' or 'NoExecute'`);
    if (t.operator === 'Equal' && t.value !== undefined) ok = assertLabelValue(scope, 'toleration value', t.value) && ok;
    if (t.operator === 'Equal' && t.value === undefined) ok = problem(scope, `toleration of '${t.key}' uses 'Equal' without a value: give the taint's value or use 'Exists'`);
  }
  for (const [k, v] of Object.entries(p.nodeSelector ?? {})) {
    key(k);
    if (v === undefined || v === '') ok = problem(scope, `node selector '${k}' of cluster preset '${p.name}' has no value: give one, e.g. ClusterPreset.gke({ accelerator: 'nvidia-l4' })`);
    else ok = assertLabelValue(scope, `node selector value of '${k}'`, v) && ok;
  }
  for (const r of [...(p.requiredAffinity ?? []), ...(p.preferredAffinity ?? []).map((x) => x.requirement)]) {
    key(r.key);
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'].includes(r.operator)) ok = problem(scope, `node requirement operator ${show(r.operator)} is invalid: use In, NotIn, Exists, DoesNotExist, Gt or Lt`);
    for (const v of r.values ?? []) ok = assertLabelValue(scope, `node requirement value of '${r.key}'`, v) && ok;
  }
  for (const w of p.preferredAffinity ?? []) {
    if (!Number.isInteger(w.weight) || w.weight < 1 || w.weight > 100) ok = problem(scope, `preferred node requirement weight ${show(w.weight)} is invalid: use a whole number from 1 to 100`);
  }
  if (p.runtimeClassName !== undefined) ok = assertDnsSubdomain(scope, 'runtimeClassName', p.runtimeClassName) && ok;
  if (p.dcgmLabels !== undefined && !['exported', 'honored'].includes(p.dcgmLabels)) ok = problem(scope, `dcgmLabels ${show(p.dcgmLabels)} of cluster preset '${p.name}' is invalid: use 'exported' (exported_pod, under a ServiceMonitor with honorLabels: false) or 'honored' (pod)`);
  if (p.gfdLabels && p.driverCheck) ok = problem(scope, `cluster preset '${p.name}' has GFD labels and a driver check: GFD labels already require a fit driver, so drop driverCheck`);
  return ok;
}

const isMarked = typeMark(ClusterPreset, 'ClusterPreset');
