// The public API: constructs, value classes, their props and enums. Everything else (the model, the resolver, the
// targets, helpers) is internal and may change in any release.
export { DeclarationError } from './errors';
export type { DeclarationProblem } from './errors';
export { Cpu } from './cpu';
export { Duration, Size } from './cdk8s-values';
export { GpuKind, GpuRequest, MIG_PROFILES } from './gpu';
export type { MigOptions, SharedGpuOptions } from './gpu';
export { EnvValue, SECRETS_DIR } from './env';
export type { LiteralOptions, SecretKeyRef } from './env';
export { HealthCheck, HealthCheckKind } from './health-check';
export type { HealthCheckOptions, HttpHealthCheckOptions } from './health-check';
export { ImageFlavor } from './image-flavor';
export { ImageSource } from './image-source';
export type { MlBuildProps, CopySpec } from './image-source';
export type { BasePin, BaseCompatibility } from './version-range';
export { TORCH_RELEASES, supportedCpuPairs, supportedCudaPairs } from './version-matrix';
export type { TorchRelease } from './version-matrix';
export { CUDA_MIN_DRIVER_MAJOR, DRIVER_MAJOR_LABEL } from './cuda-driver';
export { BaseImage, DEFAULT_SHARED_PACKAGES, DEFAULT_HTTP_PACKAGES } from './base-image';
export type { BaseImageProps } from './base-image';
export { ClusterPreset } from './cluster-preset';
export type { ClusterPresetProps, DcgmLabels, GpuToleration, NodeRequirement, PreferredNodeRequirement, PresetOptions } from './cluster-preset';
export { Profile } from './profile';
export type { ProfileProps } from './profile';
export { Workload, MANAGED_ENV, CACHE_DIR, TMP_DIR, SHM_DIR, MODELS_DIR } from './workloads/workload';
export type { ComposeServiceSpec, WorkloadProps, WorkloadPort, PersistentVolume, DevOptions, OverrideOptions, DrainOptions } from './workloads/workload';
export { ModelSource } from './model-source';
export type { S3ModelSourceProps } from './model-source';
export { Dependency } from './workloads/dependency';
export { Service } from './workloads/service';
export type { ServiceProps } from './workloads/service';
export { StatefulService } from './workloads/stateful-service';
export type { StatefulServiceProps } from './workloads/stateful-service';
export { Job, ConcurrencyPolicy } from './workloads/job';
export type { JobProps } from './workloads/job';
export { MlService } from './workloads/ml-service';
export type { MlServiceProps } from './workloads/ml-service';
export { MlApp, synthOrExit } from './ml-app';
export type { AddManifestOptions, MlAppProps, SynthSummary, TargetSummary } from './ml-app';
export { policyMetadata } from './targets/kubernetes/policies/policy';
export type {
  KubernetesPolicy, PolicyAutoscaling, PolicyContext, PolicyEgress, PolicyInFlightTrigger, PolicyIngressSource, PolicyMetrics, PolicyPort,
  PolicyGpuMetricLabels,
  PolicyWorkload,
} from './targets/kubernetes/policies/policy';
export { PodDisruptionBudgetPolicy } from './targets/kubernetes/policies/pod-disruption-budget';
export { TopologySpreadPolicy } from './targets/kubernetes/policies/topology-spread';
export type { TopologySpreadPolicyProps } from './targets/kubernetes/policies/topology-spread';
export { PriorityClassPolicy } from './targets/kubernetes/policies/priority-class';
export type { PriorityClassPolicyProps } from './targets/kubernetes/policies/priority-class';
export { NetworkIsolationPolicy } from './targets/kubernetes/policies/network-isolation';
export type { NetworkIsolationPolicyProps } from './targets/kubernetes/policies/network-isolation';
export type { AutoscalingOptions, InFlightTrigger, MetricsOptions, ExternalEndpoint, IngressSource } from './production';
export type { PodDisruptionBudgetPolicyProps } from './targets/kubernetes/policies/pod-disruption-budget';
export { checkParity } from './parity';
export type { ParityDifference } from './parity';
