import { Construct } from 'constructs';
import { problem, show } from '../../internal/errors';
import { assertInteger } from '../../internal/names';
import type { WorkloadKindSpec } from '../../model/model';
import { MODELS_DIR } from '../../model/paths';
import { Workload, WorkloadProps } from './workload';

/** Properties of a {@link Service}. */
export interface ServiceProps extends WorkloadProps {
  /**
   * Pod replicas in Kubernetes (Compose runs one). More than one is refused while the service mounts a
   * ReadWriteOnce volume: use a StatefulService for per-replica storage.
   * @default 1
   */
  readonly replicas?: number;
}

/**
 * A long-running service: a Compose service and a Kubernetes Deployment, plus a Service for its ports.
 */
export class Service extends Workload {
  /** Whether `x` is a Service (a long-running, stateless workload). */
  public static isService(x: unknown): x is Service {
    return Workload.isWorkload(x) && x._kindSpec().kind === 'service';
  }

  /** Pod replicas in Kubernetes. */
  public readonly replicas: number;

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id, props, { component: 'service' });
    // an autoscaled service starts at its minimum (at least one)
    this.replicas = props?.replicas ?? Math.max(1, props?.autoscaling?.minReplicas ?? 1);
    // A volume a model is fetched into is per pod when replicated: each pod fetches its own copy.
    const shared = this.volumes.filter((v) => !(this.model?.s3 && v.path === MODELS_DIR));
    const most = Math.max(this.replicas, this.autoscaling?.maxReplicas ?? 0);
    if (assertInteger(this, 'replicas', this.replicas, 1, 1000) && most > 1 && shared.length > 0) {
      problem(this, `replicas ${most} with ReadWriteOnce volume(s) ${show(shared.map((v) => v.name))}: one claim cannot be mounted by two pods, so use replicas: 1, drop the volumes, fetch the model with ModelSource.s3() (a copy per pod), or declare a StatefulService (a claim per replica)`);
    }
  }

  /** @internal */
  public _kindSpec(): WorkloadKindSpec {
    return { kind: 'service', replicas: this.replicas };
  }
}
