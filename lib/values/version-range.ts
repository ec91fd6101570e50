/*
 * Base image versions as a workload names them: a pin, or a compatible range of comparators.
 */

/** A base image version a workload builds on, by its torch (and CUDA or Python) version. */
export interface BasePin {
  /** The torch minor version, e.g. `2.5`. */
  readonly torch: string;
  /**
   * The CUDA version of the CUDA flavor, where several bases share the torch version.
   * @default - the newest declared with that torch
   */
  readonly cuda?: string;
  /**
   * The Python version of the CPU flavor, where several bases share the torch version.
   * @default - the newest declared with that torch
   */
  readonly python?: string;
}

/** The versions a workload is known to work with, as ranges such as `>=2.4 <2.6`. */
export interface BaseCompatibility {
  /**
   * The torch range.
   * @default - any
   */
  readonly torch?: string;
  /**
   * The CUDA range (CUDA flavor only).
   * @default - any
   */
  readonly cuda?: string;
}

const COMPARATOR = /^(>=|<=|>|<|=)?(\d+(?:\.\d+)*)$/;

/**
 * Whether `range` is a list of comparators: `>=2.4 <2.6`, `2.5`, `>=12.1`.
 * @internal
 */
export function isRange(range: string): boolean {
  return typeof range === 'string' && range.trim().split(/\s+/).every((c) => COMPARATOR.test(c));
}

/**
 * Compares two dotted versions numerically.
 * @internal
 */
export function compare(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/**
 * Whether `version` satisfies every comparator of `range`.
 * @internal
 */
export function satisfies(version: string, range: string | undefined): boolean {
  if (range === undefined) return true;
  return range.trim().split(/\s+/).every((c) => {
    const [, op = '=', v] = COMPARATOR.exec(c)!;
    const d = compare(version, v);
    return op === '>=' ? d >= 0 : op === '<=' ? d <= 0 : op === '>' ? d > 0 : op === '<' ? d < 0 : d === 0;
  });
}
