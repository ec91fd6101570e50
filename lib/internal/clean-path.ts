// Plain segments, none '.' or '..' and none empty: joined to a folder it names a path inside that folder, and
// joining it needs no normalizing (what the resolver and the targets make of validated input).
const CLEAN_RELATIVE = /^(?!\.\.?(?:\/|$))[\w.-]+(?:\/(?!\.\.?(?:\/|$))[\w.-]+)*$/;

/**
 * Whether `p` is a relative path of plain segments (see above); false for anything that would need path.join's or
 * path.relative's normalizing.
 * @internal
 */
export function isCleanRelativePath(p: string): boolean {
  return CLEAN_RELATIVE.test(p);
}
