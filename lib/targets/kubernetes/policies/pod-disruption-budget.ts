import { ownPolicyClass } from './own-policies';
import { KubernetesPolicy, PolicyContext, policyMetadata } from '../../../model/policy';

/** Properties of a {@link PodDisruptionBudgetPolicy}. */
export interface PodDisruptionBudgetPolicyProps {
  /**
   * Pods that may be down at once during voluntary disruptions (node drains), as a number.
   * @default 1
   */
  readonly maxUnavailable?: number;
}

/**
 * A `policy/v1` PodDisruptionBudget for every service or stateful service with two or more replicas (the minimum, for
 * autoscaled ones). A single replica gets none: capped to keep one pod up, its budget would allow no disruption and
 * block every node drain, and uncapped it would protect nothing.
 */
export class PodDisruptionBudgetPolicy implements KubernetesPolicy {
  /** The policy's name in messages. */
  public readonly id = 'pod-disruption-budget';
  private readonly maxUnavailable: number;

  constructor(props: PodDisruptionBudgetPolicyProps = {}) {
    this.maxUnavailable = props.maxUnavailable ?? 1;
    if (!Number.isInteger(this.maxUnavailable) || this.maxUnavailable < 1) {
      throw new RangeError(`maxUnavailable ${this.maxUnavailable} is invalid: use a whole number of at least 1`);
    }
  }

  /** A budget for replicated services; nothing for jobs and single replicas. */
  public objects(ctx: PolicyContext): Array<Record<string, unknown>> {
    const w = ctx.workload;
    if (w.kind === 'job' || w.replicas < 2) return [];
    return [{
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: policyMetadata(ctx),
      spec: { maxUnavailable: Math.min(this.maxUnavailable, w.replicas - 1), selector: { matchLabels: { ...w.selector } } },
    }];
  }
}

ownPolicyClass(PodDisruptionBudgetPolicy);
