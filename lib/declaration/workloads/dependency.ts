import type { WorkloadReference } from '../../values/workload-reference';
import { typeMark } from '../../internal/type-mark';

/**
 * A dependency of one workload on another, by construct or by name. Compose orders start-up by it (waiting for a
 * health check where the dependency has one), and the Kubernetes target derives network policies from it.
 */
export class Dependency {
  /** A dependency that must exist in every profile the dependent workload runs in. */
  public static on(target: WorkloadReference | string): Dependency {
    return new Dependency(target, false);
  }

  /** A dependency that is left out, instead of refused, in profiles where the target does not run. */
  public static optional(target: WorkloadReference | string): Dependency {
    return new Dependency(target, true);
  }

  /** Whether `x` is a Dependency (also one made by another copy of the library). */
  public static isDependency(x: unknown): x is Dependency {
    return isMarked(x);
  }

  private constructor(
    /** The workload depended on. */
    public readonly target: WorkloadReference | string,
    /** Whether it may be missing from a profile. */
    public readonly optional: boolean,
  ) {
  }

  /** The name of the workload depended on. */
  public get name(): string {
    return typeof this.target === 'string' ? this.target : this.target.name;
  }
}

const isMarked = typeMark(Dependency, 'Dependency');
