import { ownPolicyClass } from './own-policies';
import { KubernetesPolicy, PolicyContext } from '../../../model/policy';

/** Properties of a {@link PriorityClassPolicy}. */
export interface PriorityClassPolicyProps {
  /**
   * The PriorityClass of pods that take no GPU.
   * @default - none: the cluster's default priority
   */
  readonly className?: string;
  /**
   * The PriorityClass of service pods (Deployments, StatefulSets) that take GPUs.
   * @default - `className`
   */
  readonly gpuClassName?: string;
  /**
   * The PriorityClass of job pods (Jobs, CronJobs), GPUs or not: batch work such as training should not preempt the
   * services it shares GPU nodes with.
   * @default - `className`
   */
  readonly jobClassName?: string;
}

/**
 * Sets `priorityClassName` on pod templates. The PriorityClass objects are cluster-scoped and shared: create them once
 * per cluster (or add them with `app.addManifest()`).
 */
export class PriorityClassPolicy implements KubernetesPolicy {
  /**
   * The preset for GPU inference: GPU service pods get `gpu-inference`, so that the scheduler preempts lower-priority
   * pods (training jobs among them) rather than leave a GPU service Pending; jobs and others keep the default
   * priority.
   */
  public static gpuPreset(): PriorityClassPolicy {
    return new PriorityClassPolicy({ gpuClassName: 'gpu-inference' });
  }

  /** The policy's name in messages. */
  public readonly id = 'priority-class';

  constructor(private readonly props: PriorityClassPolicyProps = {}) {
    for (const n of [props.className, props.gpuClassName, props.jobClassName]) {
      if (n !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(n)) {
        throw new RangeError(`priority class name '${n}' is not a DNS-1123 subdomain`);
      }
    }
  }

  /** No objects of its own. */
  public objects(): Array<Record<string, unknown>> {
    return [];
  }

  /** The class for this pod, if any. */
  public podTemplate(ctx: PolicyContext): Record<string, unknown> | undefined {
    const w = ctx.workload;
    const name = w.kind === 'job' ? (this.props.jobClassName ?? this.props.className)
      : w.gpus > 0 ? (this.props.gpuClassName ?? this.props.className) : this.props.className;
    return name ? { spec: { priorityClassName: name } } : undefined;
  }
}

ownPolicyClass(PriorityClassPolicy);
