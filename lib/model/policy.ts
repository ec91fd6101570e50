/** A named container port. */
export interface PolicyPort {
  /** The port name (the Service's and the container's). */
  readonly name: string;
  /** The container port. */
  readonly port: number;
  /** Whether it is published outside the app (a hostPort under Compose). */
  readonly published: boolean;
}

/** An address range a workload reaches outside the app. */
export interface PolicyEgress {
  /** The address range. */
  readonly cidr: string;
  /** The port. */
  readonly port: number;
  /** The protocol. */
  readonly protocol: 'TCP' | 'UDP';
}

/** Who may reach a workload's published ports. */
export interface PolicyIngressSource {
  /** Namespace labels, when set. */
  readonly namespaceLabels?: Record<string, string>;
  /** Pod labels, when set. */
  readonly podLabels?: Record<string, string>;
  /** An address range, when set. */
  readonly cidr?: string;
}

/** An in-flight request trigger, as a policy sees it. */
export interface PolicyInFlightTrigger {
  /** The Prometheus metric. */
  readonly metric: string;
  /** In-flight requests per replica. */
  readonly perReplica: number;
}

/** A workload's autoscaling, as a policy sees it. */
export interface PolicyAutoscaling {
  /** The least replicas. */
  readonly minReplicas: number;
  /** The most replicas. */
  readonly maxReplicas: number;
  /** Target CPU utilisation percent. */
  readonly cpuUtilization: number;
  /** Target memory utilisation percent, when set. */
  readonly memoryUtilization?: number;
  /** Target GPU utilisation percent. */
  readonly gpuUtilization: number;
  /** The in-flight request trigger, when set. */
  readonly inFlightRequests?: PolicyInFlightTrigger;
  /** Cooldown in seconds. */
  readonly cooldownSeconds: number;
  /** The Prometheus URL KEDA queries. */
  readonly prometheusUrl: string;
}

/** A workload's metrics endpoint, as a policy sees it. */
export interface PolicyMetrics {
  /** The container port. */
  readonly port: number;
  /** Its name. */
  readonly portName: string;
  /** The HTTP path. */
  readonly path: string;
  /** Seconds between scrapes. */
  readonly intervalSeconds: number;
}

/** The labels that name a workload's pod on DCGM GPU series in the profile's cluster (see `DcgmLabels`). */
export interface PolicyGpuMetricLabels {
  /** The pod label, `exported_pod` or `pod`. */
  readonly pod: string;
  /** The namespace label. */
  readonly namespace: string;
  /** The container label. */
  readonly container: string;
}

/** A workload as a Kubernetes policy sees it. */
export interface PolicyWorkload {
  /** The workload's name: its Deployment/StatefulSet/Job and Service name. */
  readonly name: string;
  /** The workload kind. */
  readonly kind: 'service' | 'stateful' | 'job';
  /** Pod replicas (1 for jobs; the minimum for autoscaled services, which the autoscaler then owns). */
  readonly replicas: number;
  /** The kind of the object that runs the pods (Deployment, StatefulSet, Job or CronJob). */
  readonly controllerKind: string;
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
  /**
   * The labels of the workload's DCGM GPU series, where its pods take GPUs.
   * @default - none: the pods take no GPU
   */
  readonly gpuMetricLabels?: PolicyGpuMetricLabels;
  /** The container that runs the workload (its name is the workload's). */
  readonly container: string;
  /** Autoscaling, when declared. */
  readonly autoscaling?: PolicyAutoscaling;
  /** The metrics endpoint, when declared. */
  readonly metrics?: PolicyMetrics;
  /** Endpoints outside the app it reaches. */
  readonly egress: readonly PolicyEgress[];
  /** Who may reach its published ports. */
  readonly ingressFrom: readonly PolicyIngressSource[];
}

/** What a Kubernetes policy is given for one workload in one profile. */
export interface PolicyContext {
  /** The app's name. */
  readonly stackName: string;
  /** The namespace every object goes in, when set. */
  readonly namespace?: string;
  /** The profile being rendered. */
  readonly profile: string;
  /** How Prometheus finds metrics in this app. */
  readonly monitoring: 'service-monitor' | 'annotations';
  /** The workload the policy derives objects from. */
  readonly workload: PolicyWorkload;
  /** Every workload of the profile, for policies that look across workloads (e.g. network policies). */
  readonly workloads: readonly PolicyWorkload[];
}

/**
 * A Kubernetes policy: derives objects (a PodDisruptionBudget, an autoscaler, a NetworkPolicy, a monitor) from a
 * workload, and may patch its pod template. Register it on one workload (`workload.addPolicy()`) or on all of them
 * (`app.addPolicy()`). The objects go into the workload's manifest file after its own; the objects and patched
 * templates of a policy you write are validated against the Kubernetes schema at synth (the library's own policies
 * are validated by its tests instead).
 */
export interface KubernetesPolicy {
  /** A short name of the policy, for messages, e.g. `pod-disruption-budget`. */
  readonly id: string;
  /** The objects for one workload in one profile; none where the policy does not apply. */
  objects(context: PolicyContext): Array<Record<string, unknown>>;
  /**
   * A JSON merge patch of the workload's pod template (`{ metadata: {...}, spec: {...} }`), e.g. topology spread.
   * @default - no patch
   */
  podTemplate?(context: PolicyContext): Record<string, unknown> | undefined;
}

/** The metadata of an object a policy derives from a workload: the workload's name, labels and namespace. */
export function policyMetadata(ctx: PolicyContext, name = ctx.workload.name): Record<string, unknown> {
  return { name, labels: { ...ctx.workload.labels }, ...(ctx.namespace ? { namespace: ctx.namespace } : {}) };
}
