/*
 * A small YAML emitter for JSON-shaped data (objects, arrays, strings, numbers, booleans, null). The `yaml`
 * package builds a full document model per call and dominated synth time at hundreds of services; output here is
 * block style with 2-space indents, and any string that a YAML 1.1 or 1.2 reader could take for something other
 * than a string is written as a JSON (double-quoted YAML) string. test/yaml-output.test.ts round-trips it.
 */

/** Options of the emitter. */
export interface YamlOptions {
  /**
   * Sort mapping keys, as cdk8s does for Kubernetes objects.
   * @default false
   */
  readonly sortKeys?: boolean;
}

// Plain only when it cannot read as a number, boolean, null, timestamp or sexagesimal in YAML 1.1 or 1.2, and
// holds no indicator character: starts with a letter or '/', then letters, digits and _ . / : @ + = , -.
const PLAIN = /^[A-Za-z/][A-Za-z0-9_./:@+=,-]*$/;
const RESERVED = /^(y|n|yes|no|true|false|on|off|null|nan|inf)$/i;

function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} as YAML`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return PLAIN.test(v) && !RESERVED.test(v) && !v.endsWith(':') ? v : JSON.stringify(v);
  throw new Error(`cannot write ${typeof v} as YAML`);
}

function isEmptyCollection(v: unknown): string | undefined {
  if (Array.isArray(v) && v.length === 0) return '[]';
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) return '{}';
  return undefined;
}

function emit(v: unknown, indent: string, out: string[], opts: YamlOptions): void {
  if (Array.isArray(v)) {
    for (const item of v) {
      const empty = isEmptyCollection(item);
      if (item !== null && typeof item === 'object' && !empty) {
        // the first key or item sits on the dash line, the rest align under it
        const sub: string[] = [];
        emit(item, `${indent}  `, sub, opts);
        out.push(`${indent}- ${sub[0].slice(indent.length + 2)}`, ...sub.slice(1));
      } else {
        out.push(`${indent}- ${empty ?? scalar(item)}`);
      }
    }
    return;
  }
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
  if (opts.sortKeys) keys.sort();
  for (const k of keys) {
    const value = obj[k];
    const key = scalar(k);
    const empty = isEmptyCollection(value);
    if (value !== null && typeof value === 'object' && !empty) {
      out.push(`${indent}${key}:`);
      emit(value, `${indent}  `, out, opts);
    } else {
      out.push(`${indent}${key}: ${empty ?? scalar(value)}`);
    }
  }
}

/** One YAML document with an optional leading comment. */
export function toYaml(doc: unknown, comment?: string, opts: YamlOptions = {}): string {
  const out: string[] = comment ? [`# ${comment}`] : [];
  const empty = isEmptyCollection(doc);
  if (empty || doc === null || typeof doc !== 'object') out.push(empty ?? scalar(doc));
  else emit(doc, '', out, opts);
  return `${out.join('\n')}\n`;
}

/** A multi-document YAML stream. */
export function toYamlStream(docs: unknown[], comment?: string, opts: YamlOptions = {}): string {
  return (comment ? `# ${comment}\n` : '') + docs.map((d) => toYaml(d, undefined, opts)).join('---\n');
}
