import { ownPolicyClass } from './own-policies';
import { KubernetesPolicy, PolicyContext } from '../../../model/policy';

/** Properties of a {@link TopologySpreadPolicy}. */
export interface TopologySpreadPolicyProps {
  /**
   * Also spread across zones (`topology.kubernetes.io/zone`).
   * @default false
   */
  readonly zones?: boolean;
  /**
   * Refuse to schedule rather than place two replicas together (`DoNotSchedule`).
   * @default false - `ScheduleAnyway`: a preference, so a small cluster still runs every replica
   */
  readonly strict?: boolean;
}

/**
 * Spreads the replicas of every service and stateful service with two or more replicas across nodes
 * (`kubernetes.io/hostname`), and zones when asked, with `topologySpreadConstraints` on the pod template.
 */
export class TopologySpreadPolicy implements KubernetesPolicy {
  /** The policy's name in messages. */
  public readonly id = 'topology-spread';

  constructor(private readonly props: TopologySpreadPolicyProps = {}) {}

  /** No objects of its own. */
  public objects(): Array<Record<string, unknown>> {
    return [];
  }

  /** The spread constraints, for replicated workloads. */
  public podTemplate(ctx: PolicyContext): Record<string, unknown> | undefined {
    const w = ctx.workload;
    if (w.kind === 'job' || Math.max(w.replicas, w.autoscaling?.maxReplicas ?? 0) < 2) return undefined;
    const keys = ['kubernetes.io/hostname', ...(this.props.zones ? ['topology.kubernetes.io/zone'] : [])];
    return {
      spec: {
        topologySpreadConstraints: keys.map((topologyKey) => ({
          maxSkew: 1, topologyKey, whenUnsatisfiable: this.props.strict ? 'DoNotSchedule' : 'ScheduleAnyway',
          labelSelector: { matchLabels: { ...w.selector } },
        })),
      },
    };
  }
}

ownPolicyClass(TopologySpreadPolicy);
