// The public API: constructs, value classes, their props and enums. Everything else (the model, the resolver, the
// targets, helpers) is internal and may change in any release.
export { DeclarationError } from './internal/errors';
export type { DeclarationProblem } from './internal/errors';
export { Cpu } from './values/cpu';
export { Duration, Size } from './values/cdk8s-values';
export { GpuKind, GpuRequest, MIG_PROFILES } from './values/gpu';
export type { MigOptions, SharedGpuOptions } from './values/gpu';
export { EnvValue, SECRETS_DIR } from './values/env';
export type { LiteralOptions, SecretKeyRef } from './values/env';
export { HealthCheck, HealthCheckKind } from './values/health-check';
export type { HealthCheckOptions, HttpHealthCheckOptions } from './values/health-check';
export { ImageFlavor } from './values/image-flavor';
export { ImageSource } from './values/image-source';
export type { MlBuildProps, CopySpec } from './values/image-source';
export type { BasePin, BaseCompatibility } from './values/version-range';
export { TORCH_RELEASES, supportedCpuPairs, supportedCudaPairs } from './values/version-matrix';
export type { TorchRelease } from './values/version-matrix';
export { CUDA_MIN_DRIVER_MAJOR, DRIVER_MAJOR_LABEL } from './values/cuda-driver';
export { BaseImage, DEFAULT_SHARED_PACKAGES, DEFAULT_HTTP_PACKAGES } from './declaration/base-image';
export type { BaseImageProps } from './declaration/base-image';
export { ClusterPreset } from './values/cluster-preset';
export type { ClusterPresetProps, DcgmLabels, GpuToleration, NodeRequirement, PreferredNodeRequirement, PresetOptions } from './values/cluster-preset';
export { Profile } from './declaration/profile';
export type { ProfileProps } from './declaration/profile';
export { Workload } from './declaration/workloads/workload';
export type { WorkloadReference } from './values/workload-reference';
export { MANAGED_ENV, CACHE_DIR, TMP_DIR, SHM_DIR, MODELS_DIR } from './model/paths';
export type { ComposeServiceSpec, WorkloadProps, WorkloadPort, PersistentVolume, DevOptions, OverrideOptions, DrainOptions } from './declaration/workloads/workload';
export { ModelSource } from './values/model-source';
export type { S3ModelSourceProps } from './values/model-source';
export { Dependency } from './declaration/workloads/dependency';
export { Service } from './declaration/workloads/service';
export type { ServiceProps } from './declaration/workloads/service';
export { StatefulService } from './declaration/workloads/stateful-service';
export type { StatefulServiceProps } from './declaration/workloads/stateful-service';
export { Job, ConcurrencyPolicy } from './declaration/workloads/job';
export type { JobProps } from './declaration/workloads/job';
export { MlService } from './declaration/workloads/ml-service';
export type { MlServiceProps } from './declaration/workloads/ml-service';
export { MlApp, synthOrExit } from './app/ml-app';
export type { AddManifestOptions, MlAppProps, SynthSummary, TargetSummary } from './app/ml-app';
export { policyMetadata } from './model/policy';
export type {
  KubernetesPolicy, PolicyAutoscaling, PolicyContext, PolicyEgress, PolicyInFlightTrigger, PolicyIngressSource, PolicyMetrics, PolicyPort,
  PolicyGpuMetricLabels,
  PolicyWorkload,
} from './model/policy';
export { PodDisruptionBudgetPolicy } from './targets/kubernetes/policies/pod-disruption-budget';
export { TopologySpreadPolicy } from './targets/kubernetes/policies/topology-spread';
export type { TopologySpreadPolicyProps } from './targets/kubernetes/policies/topology-spread';
export { PriorityClassPolicy } from './targets/kubernetes/policies/priority-class';
export type { PriorityClassPolicyProps } from './targets/kubernetes/policies/priority-class';
export { NetworkIsolationPolicy } from './targets/kubernetes/policies/network-isolation';
export type { NetworkIsolationPolicyProps } from './targets/kubernetes/policies/network-isolation';
export type { AutoscalingOptions, InFlightTrigger, MetricsOptions, ExternalEndpoint, IngressSource } from './values/production';
export type { PodDisruptionBudgetPolicyProps } from './targets/kubernetes/policies/pod-disruption-budget';
export { checkParity } from './app/parity';
export type { ParityDifference } from './app/parity';
