import type { Size } from '../../values/cdk8s-values';
import { IConstruct } from 'constructs';
import { problem, show } from '../../internal/errors';

/**
 * A size in whole MiB, or a recorded problem in the library's words (cdk8s's own conversion error names no
 * construct).
 * @internal
 */
export function mebibytesOf(scope: IConstruct, what: string, size: unknown, min: number): number | undefined {
  let mib: number;
  try {
    mib = (size as Size).toMebibytes();
  } catch {
    problem(scope, `${what} ${show(describeSize(size))} is not a whole number of MiB: use Size.mebibytes(n) or Size.gibibytes(n) with whole numbers`);
    return undefined;
  }
  if (!(size instanceof Object) || !Number.isSafeInteger(mib) || mib < min || mib > 1024 ** 4) {
    problem(scope, `${what} ${show(`${mib}Mi`)} is invalid: use Size.mebibytes(n) with at least ${min} MiB`);
    return undefined;
  }
  return mib;
}

function describeSize(size: unknown): unknown {
  const s = size as any;
  return s && typeof s === 'object' && 'amount' in s && s.unit?.label ? `${s.amount} ${s.unit.label}` : size;
}
