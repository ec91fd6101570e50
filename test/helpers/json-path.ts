/** Evaluates a path such as `a.b[0]["c.d"]` on a JSON value; undefined where any step is missing. */
export function at(value: any, path: string): any {
  const steps = [...path.matchAll(/\.?([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\["([^"]+)"\]/g)].map((m) => m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]));
  return steps.reduce((v, s) => (v === undefined || v === null ? undefined : v[s]), value);
}
