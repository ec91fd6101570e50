/**
 * Compose interpolates `$VAR` and `${VAR}` in every string value of a Compose file, and reads `$$` as one `$`.
 * Doubling every `$` makes each value reach the container exactly as declared.
 * @internal
 */
export function escapeComposeValue(value: string): string {
  return value.replace(/\$/g, '$$$$');
}

/**
 * The Compose document with every string value (not key) escaped: a copy of each part that holds a `$`, the same
 * object where nothing changes (most services hold none, and they are written thousands at a time).
 * @internal
 */
export function escapeComposeStrings<T>(doc: T): T {
  return walk(doc) as T;
}

function walk(v: unknown): unknown {
  if (typeof v === 'string') return v.includes('$') ? escapeComposeValue(v) : v;
  if (v === null || typeof v !== 'object') return v;
  return escapeParts(v);
}

function escapeParts(v: object): unknown {
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x = walk(v[i]);
      if (x !== v[i]) (out ??= v.slice())[i] = x;
    }
    return out ?? v;
  }
  let copy: Record<string, unknown> | undefined;
  for (const k of Object.keys(v)) {
    const before = (v as Record<string, unknown>)[k];
    const x = walk(before);
    if (x !== before) (copy ??= { ...(v as Record<string, unknown>) })[k] = x;
  }
  return copy ?? v;
}
