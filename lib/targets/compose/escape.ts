/**
 * Compose interpolates `$VAR` and `${VAR}` in every string value of a Compose file, and reads `$$` as one `$`.
 * Doubling every `$` makes each value reach the container exactly as declared.
 * @internal
 */
export function escapeComposeValue(value: string): string {
  return value.replace(/\$/g, '$$$$');
}

/**
 * A copy of a Compose document with every string value (not key) escaped.
 * @internal
 */
export function escapeComposeStrings<T>(doc: T): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return escapeComposeValue(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(doc) as T;
}
