/*
 * Fake nodes for the cluster tests, one kind per cluster preset, from each platform's documented node labels and taints
 * (the sources beside each preset in lib/values/cluster-preset.ts), plus CPU-only nodes beside them. kwok keeps them Ready.
 * Each table is written here from the documentation, not read from the library, so that a preset that renders a
 * selector or toleration its platform's nodes lack is caught by the real scheduler.
 */

export interface NodeKind {
  /** The preset this node kind stands for, or 'cpu'. */
  readonly preset: string;
  readonly labels: Record<string, string>;
  readonly taints: Array<{ key: string; value?: string; effect: string }>;
  /** GPUs per node (the device plugin's `nvidia.com/gpu` capacity). */
  readonly gpus: number;
}

const GPU_TAINT = { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' };

export const NODE_KINDS: NodeKind[] = [
  { preset: 'cpu', labels: {}, taints: [], gpus: 0 },
  // any cluster with NVIDIA's device plugin: GPU nodes tainted nvidia.com/gpu (NVIDIA's and the GPU Operator's docs)
  { preset: 'generic', labels: {}, taints: [GPU_TAINT], gpus: 1 },
  // the GPU Operator: GPU Feature Discovery labels (product, memory in MiB, CUDA driver major)
  {
    preset: 'gpu-operator',
    labels: { 'nvidia.com/gpu.present': 'true', 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB', 'nvidia.com/gpu.memory': '81920', 'nvidia.com/cuda.driver-version.major': '550' },
    taints: [GPU_TAINT],
    gpus: 1,
  },
  // GKE Standard GPU node pools: the accelerator label, the nvidia.com/gpu=present:NoSchedule taint
  { preset: 'gke', labels: { 'cloud.google.com/gke-accelerator': 'nvidia-l4', 'cloud.google.com/gke-gpu': 'true' }, taints: [GPU_TAINT], gpus: 1 },
  // AKS GPU node pools as its GPU guide creates them: sku=gpu:NoSchedule, the accelerator label
  { preset: 'aks', labels: { 'kubernetes.azure.com/accelerator': 'nvidia' }, taints: [{ key: 'sku', value: 'gpu', effect: 'NoSchedule' }], gpus: 1 },
  // EKS with the device plugin: the instance type's well-known label, GPU pools tainted by convention
  { preset: 'eks', labels: { 'node.kubernetes.io/instance-type': 'g5.xlarge' }, taints: [GPU_TAINT], gpus: 1 },
];

/** A Node object (kwok manages every node), named `<preset>-<i>`. */
export function nodeObject(kind: NodeKind, i: number, gpus = kind.gpus): Record<string, unknown> {
  const name = `${kind.preset}-${i}`;
  const capacity: Record<string, string> = { cpu: '16', memory: '128Gi', pods: '110', 'ephemeral-storage': '500Gi', ...(gpus ? { 'nvidia.com/gpu': String(gpus) } : {}) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'topology.kubernetes.io/zone': `zone-${i % 2}`, 'cdk8s-ml/node-kind': kind.preset, ...kind.labels },
      annotations: { 'kwok.x-k8s.io/node': 'fake' },
    },
    spec: { taints: kind.taints },
    status: { capacity, allocatable: capacity, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kwok' }] },
  };
}
