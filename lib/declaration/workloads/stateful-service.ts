import { Construct } from 'constructs';
import { assertInteger } from '../../internal/names';
import type { WorkloadKindSpec } from '../../model/model';
import { Workload, WorkloadProps } from './workload';

/** Properties of a {@link StatefulService}. */
export interface StatefulServiceProps extends WorkloadProps {
  /**
   * Pod replicas in Kubernetes, each with claims of its own (Compose runs one with named volumes).
   * @default 1
   */
  readonly replicas?: number;
}

/**
 * A stateful service such as a database: a Kubernetes StatefulSet whose volumes are volume claim templates (one
 * claim per replica) with a headless Service for stable pod names, and a Compose service with named volumes.
 */
export class StatefulService extends Workload {
  /** Whether `x` is a StatefulService. */
  public static isStatefulService(x: unknown): x is StatefulService {
    return Workload.isWorkload(x) && x._kindSpec().kind === 'stateful';
  }

  /** Pod replicas in Kubernetes. */
  public readonly replicas: number;

  constructor(scope: Construct, id: string, props: StatefulServiceProps) {
    super(scope, id, props, { component: 'service' });
    this.replicas = props?.replicas ?? 1;
    assertInteger(this, 'replicas', this.replicas, 1, 1000);
  }

  /** @internal */
  public _kindSpec(): WorkloadKindSpec {
    return { kind: 'stateful', replicas: this.replicas };
  }
}
