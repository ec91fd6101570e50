import { typeMark } from '../internal/type-mark';

/**
 * An amount of CPU, kept in millicores so both runtimes get the same number.
 *
 * Kubernetes writes it as a quantity (`500m`, `2`), Compose as a decimal count of CPUs (`"0.5"`, `"2"`).
 */
export class Cpu {
  /** A number of millicores (1000 = one CPU). */
  public static millis(millis: number): Cpu {
    return new Cpu(millis);
  }

  /** A number of whole or fractional CPUs. */
  public static units(units: number): Cpu {
    return new Cpu(Math.round(units * 1000));
  }

  /** Whether `x` is a Cpu (also one made by another copy of the library). */
  public static isCpu(x: unknown): x is Cpu {
    return isMarked(x);
  }

  private constructor(
    /** The amount in millicores. */
    public readonly millis: number,
  ) {
  }

  /** The Kubernetes quantity, e.g. `500m` or `2`. */
  public toQuantity(): string {
    return this.millis % 1000 === 0 ? String(this.millis / 1000) : `${this.millis}m`;
  }

  /** The Compose `cpus` value, e.g. `0.5`. */
  public toCpus(): string {
    return String(this.millis / 1000);
  }

  /** Threads a CPU-bound library should use inside this limit: at least one, never more than the whole CPUs. */
  public toThreads(): number {
    return Math.max(1, Math.floor(this.millis / 1000));
  }
}

const isMarked = typeMark(Cpu, 'Cpu');
