import type { ResolvedBaseImage } from './resolve/model';

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

function compare(a: string, b: string): number {
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

/** Newest first: by torch, then CUDA or Python. */
function newestFirst(a: ResolvedBaseImage, b: ResolvedBaseImage): number {
  return compare(b.torchMinor, a.torchMinor) || compare(b.cuda ?? b.python ?? '0', a.cuda ?? a.python ?? '0');
}

/**
 * The base image of one flavor a workload builds on: its pin, or the newest declared base within its compatibility.
 * @returns the base, or why none fits
 * @internal
 */
export function selectBase(bases: ResolvedBaseImage[], pin: BasePin | undefined, compatible: BaseCompatibility | undefined): ResolvedBaseImage | string {
  const declared = [...bases].sort(newestFirst);
  const list = declared.map((b) => `${b.key} (torch ${b.torchMinor}${b.cuda ? `, cuda ${b.cuda}` : `, python ${b.python}`})`).join(', ');
  const fits = (b: ResolvedBaseImage) => satisfies(b.torchMinor, compatible?.torch) && (!b.cuda || satisfies(b.cuda, compatible?.cuda));
  if (pin) {
    const pinned = declared.filter((b) => b.torchMinor === pin.torch && (!pin.cuda || !b.cuda || b.cuda === pin.cuda) && (!pin.python || !b.python || b.python === pin.python));
    if (!pinned.length) return `its pin ${JSON.stringify(pin)} names no declared ${bases[0]?.flavor ?? ''} base image: declared are ${list || 'none'}`;
    if (!fits(pinned[0])) return `its pin ${JSON.stringify(pin)} (${pinned[0].key}) is outside its compatible range ${JSON.stringify(compatible)}: pin a version in the range or widen it; declared are ${list}`;
    return pinned[0];
  }
  const chosen = declared.find(fits);
  return chosen ?? `no declared ${bases[0]?.flavor ?? ''} base image is in its compatible range ${JSON.stringify(compatible)}: declared are ${list || 'none'}`;
}
