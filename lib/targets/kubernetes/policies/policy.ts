/** A named container port. */
export interface PolicyPort {
  /** The port name (the Service's and the container's). */
  readonly name: string;
  /** The container port. */
  readonly port: number;
}

/** A workload as a Kubernetes policy sees it. */
export interface PolicyWorkload {
  /** The workload's name: its Deployment/StatefulSet/Job and Service name. */
  readonly name: string;
  /** The workload kind. */
  readonly kind: 'service' | 'stateful' | 'job';
  /** Pod replicas (1 for jobs). */
  readonly replicas: number;
  /** The pod selector labels. */
  readonly selector: Readonly<Record<string, string>>;
  /** The labels every object of the workload carries. */
  readonly labels: Readonly<Record<string, string>>;
  /** Container ports by name. */
  readonly ports: readonly PolicyPort[];
  /** Names of the workloads it depends on. */
  readonly dependsOn: readonly string[];
  /** GPUs each pod takes (0 for none). */
  readonly gpus: number;
}

/** What a Kubernetes policy is given for one workload in one profile. */
export interface PolicyContext {
  /** The app's name. */
  readonly stackName: string;
  /** The namespace every object goes in, when set. */
  readonly namespace?: string;
  /** The profile being rendered. */
  readonly profile: string;
  /** The workload the policy derives objects from. */
  readonly workload: PolicyWorkload;
  /** Every workload of the profile, for policies that look across workloads (e.g. network policies). */
  readonly workloads: readonly PolicyWorkload[];
}

/**
 * A Kubernetes policy: derives objects (a PodDisruptionBudget, an autoscaler, a NetworkPolicy, a monitor) from a
 * workload. Register it on one workload (`workload.addPolicy()`) or on every workload (`app.addPolicy()`). The
 * objects go into the workload's manifest file after its own, are validated, and must be named after the workload.
 */
export interface KubernetesPolicy {
  /** A short name of the policy, for messages, e.g. `pod-disruption-budget`. */
  readonly id: string;
  /** The objects for one workload in one profile; none where the policy does not apply. */
  objects(context: PolicyContext): Array<Record<string, unknown>>;
}
