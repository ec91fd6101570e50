import type { ResolvedBaseImage } from '../model/model';
import { BaseCompatibility, BasePin, compare, satisfies } from '../values/version-range';

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
