/*
 * The YAML emitter of every file cdk8s-ml writes. Its output is byte for byte what cdk8s writes for the same data
 * (cdk8s's Yaml.stringify: the `yaml` package with `lineWidth: 0` and the YAML 1.1 schema), so a manifest reads
 * like any cdk8s manifest and the benchmark can check the library against plain cdk8s-plus byte for byte. It is a
 * fast path: the `yaml` package builds a document model per call and dominated synth time at hundreds of services.
 * A document holding a string the fast path does not cover (a non-ASCII or control character, a document marker,
 * a line break in a key or around spaces) is written by the `yaml` package itself, loaded only then.
 * test/yaml-output.test.ts compares both on generated documents.
 *
 * One departure from cdk8s: a string that YAML 1.2 reads as an octal number ('0o17') is quoted, because Compose
 * and Kustomize read YAML 1.2, where the 1.1 schema would leave it plain.
 */

/** Options of the emitter. */
export interface YamlOptions {
  /**
   * Sort mapping keys, as cdk8s does for Kubernetes objects.
   * @default false
   */
  readonly sortKeys?: boolean;
}

// Printable ASCII on one line: the strings whose plain or quoted form is decided here.
const SIMPLE = /^[\x20-\x7e]*$/;
// The `yaml` package's rule for strings that cannot be plain (stringify/stringifyString.js, plainString), on one line.
const NOT_PLAIN = /^[ ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-] |: | #|[ :]$/;
const OCTAL_12 = /^0o[0-7]+$/;
// Strings the YAML 1.1 schema resolves as something other than a string: the tests of the `yaml` package's default
// 1.1 tags (schema/yaml-1.1/{bool,int,float,timestamp}.js, schema/common/null.js), plus 1.2's octal '0o17'.
const IMPLICIT = new RegExp([
  /^(?:~|[Nn]ull|NULL)?$/,
  /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/,
  /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/,
  /^[-+]?0b[0-1_]+$/,
  /^[-+]?0[0-7_]+$/,
  /^[-+]?[0-9][0-9_]*$/,
  /^[-+]?0x[0-9a-fA-F_]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/,
  /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/,
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:t|T|[ \t]+)([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2}(\.[0-9]+)?)(?:[ \t]*(Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?$/,
  OCTAL_12,
].map((r) => `(?:${r.source})`).join('|'));
// Only strings starting with one of these can match IMPLICIT; most strings skip the long test.
const IMPLICIT_START = /^[-+.0-9~YyNnTtFfOoEe]/;

/** Thrown by the fast path for a string it does not decide; the document then goes to the `yaml` package. */
const FULL_YAML = Symbol('full yaml');

// Keys and values repeat across objects and files ('app.kubernetes.io/name', '/cache', '2Gi'): each string's form
// is decided once. Bounded, so that the unique strings of a large app do not stay in memory.
const decided = new Map<string, string>();

function str(s: string): string {
  let out = decided.get(s);
  if (out === undefined) {
    out = decide(s);
    if (decided.size > 20_000) decided.clear();
    decided.set(s, out);
  }
  return out;
}

function decide(s: string): string {
  if (s === '') return '""';
  if (!SIMPLE.test(s) || s.startsWith('---') || s.startsWith('...') || s === '<<') throw FULL_YAML;
  if (!NOT_PLAIN.test(s) && !(IMPLICIT_START.test(s) && IMPLICIT.test(s))) return s;
  // the `yaml` package quotes with single quotes only when that spares escaping a double quote
  return s.includes('"') && !s.includes("'") ? `'${s}'` : JSON.stringify(s);
}

// A multi-line string the fast path writes as a literal block, as the `yaml` package does with `lineWidth: 0`
// (stringify/stringifyString.js, blockString): printable ASCII lines, the first not indented, ending in a visible
// character or one line break after it (chomping '-' or clip).
const LITERAL_BLOCK = /^[\x21-\x7e][\x20-\x7e\n]*[\x21-\x7e]\n?$/;

/** A value's text after `key: ` or `- `; `indent` is where a block scalar's lines go. */
function valueText(v: unknown, indent: string): string {
  if (typeof v === 'string' && v.includes('\n') && LITERAL_BLOCK.test(v)) {
    const clip = v.endsWith('\n');
    return `|${clip ? '' : '-'}\n${indent}${(clip ? v.slice(0, -1) : v).replace(/\n+/g, `$&${indent}`)}`;
  }
  return scalar(v);
}

function scalar(v: unknown): string {
  if (typeof v === 'string') return str(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} as YAML`);
    return Object.is(v, -0) ? '-0' : JSON.stringify(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null || v === undefined) return 'null';
  throw new Error(`cannot write ${typeof v} as YAML`);
}

/** `[]` or `{}` for an empty collection; undefined otherwise (scalars included). */
function emptyCollection(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  if (Array.isArray(v)) return v.length === 0 ? '[]' : undefined;
  for (const k in v) if ((v as Record<string, unknown>)[k] !== undefined) return undefined;
  return '{}';
}

const ARRAY_INDEX = /^(0|[1-9][0-9]{0,9})$/;

/**
 * Keys in the order cdk8s writes them: it sorts them into a new object, where JavaScript puts array-index keys
 * ('9') first in numeric order, ahead of the rest in sorted order.
 */
function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  // objects built with their keys in order (most of the library's own) need no sort
  let inOrder = true;
  for (let i = 1; i < keys.length && inOrder; i++) inOrder = keys[i - 1] < keys[i];
  if (inOrder) return keys;
  let p = 0;
  while (p < keys.length && ARRAY_INDEX.test(keys[p]) && Number(keys[p]) < 4294967295) p++;
  return p === 0 ? keys.sort() : [...keys.slice(0, p), ...keys.slice(p).sort()];
}

// The text being written: one string built by appending (V8 joins the pieces once, when the text is used), which
// allocates less than an array of lines joined at the end.
let text = '';

/**
 * Appends the lines of a non-empty collection to `text`. `lead` begins its first line: the indent, or the parent
 * sequence's `- ` so that a first key or item sits on the dash line.
 */
function block(v: object, indent: string, lead: string, sort: boolean): void {
  const inner = deeper(indent);
  if (Array.isArray(v)) {
    const dash = `${indent}- `;
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      const head = i === 0 ? `${lead}- ` : dash;
      const empty = emptyCollection(item);
      if (item !== null && typeof item === 'object' && empty === undefined) block(item, inner, head, sort);
      else text += `${head}${empty ?? valueText(item, inner)}\n`;
    }
    return;
  }
  const obj = v as Record<string, unknown>;
  const keys = sort ? sortedKeys(obj) : Object.keys(obj);
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const value = obj[k];
    if (value === undefined) continue;
    const head = (first ? lead : indent) + str(k);
    first = false;
    const empty = emptyCollection(value);
    if (value !== null && typeof value === 'object' && empty === undefined) {
      text += `${head}:\n`;
      // a sequence under a key is indented by two, as the `yaml` package does by default
      block(value, inner, inner, sort);
    } else {
      text += `${head}: ${empty ?? valueText(value, inner)}\n`;
    }
  }
}

// Indents by depth, made once: every nested collection would otherwise make its own.
const INDENTS: string[] = [''];

/** `indent` and two more spaces. */
function deeper(indent: string): string {
  const depth = (indent.length >> 1) + 1;
  // an indent given by a caller may not be one of the table's (an odd number of spaces)
  if (INDENTS[depth - 1] !== indent) return `${indent}  `;
  return INDENTS[depth] ??= `${indent}  `;
}

/** The text of `block(v, ...)` on its own. */
function blockText(v: object, indent: string, lead: string, sort: boolean): string {
  text = '';
  try {
    block(v, indent, lead, sort);
    const out = text;
    // Flat now: an appended string is a tree of pieces (tens of bytes each) until first read, and thousands of
    // entries waiting to be written would hold their trees. Converting to a number reads it, which flattens it.
    void Number(out);
    return out;
  } finally {
    text = '';
  }
}

function fast(doc: unknown, sort: boolean): string {
  const empty = emptyCollection(doc);
  if (doc === null || typeof doc !== 'object' || empty !== undefined) return `${empty ?? scalar(doc)}\n`;
  return blockText(doc, '', '', sort);
}

/** JSON data with undefined members dropped and, when asked, keys sorted: what the `yaml` package is given. */
function plain(v: unknown, sort: boolean): unknown {
  if (Array.isArray(v)) return v.map((x) => plain(x, sort));
  if (v === null || typeof v !== 'object') return v;
  const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
  if (sort) keys.sort();
  return Object.fromEntries(keys.map((k) => [k, plain((v as Record<string, unknown>)[k], sort)]));
}

/** The whole document by the `yaml` package, for documents the fast path does not cover. */
function full(doc: unknown, sort: boolean): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yaml = require('yaml') as typeof import('yaml');
  const d = new yaml.Document(plain(doc, sort), { version: '1.1' });
  yaml.visit(d, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && OCTAL_12.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return d.toString({ lineWidth: 0 });
}

function document(doc: unknown, sort: boolean): string {
  try {
    return fast(doc, sort);
  } catch (e) {
    if (e !== FULL_YAML) throw e;
    return full(doc, sort);
  }
}

/** One YAML document with an optional leading comment. */
export function toYaml(doc: unknown, comment?: string, opts: YamlOptions = {}): string {
  return (comment ? `# ${comment}\n` : '') + document(doc, opts.sortKeys ?? false);
}

/** A multi-document YAML stream, separated as cdk8s separates them. */
export function toYamlStream(docs: unknown[], comment?: string, opts: YamlOptions = {}): string {
  return (comment ? `# ${comment}\n` : '') + docs.map((d) => document(d, opts.sortKeys ?? false)).join('---\n');
}

/**
 * `key: value` as one entry of a block mapping at `indent`: exactly the lines toYaml writes for that entry inside a
 * larger document, so a large file can be written entry by entry without building it as one object.
 */
export function toYamlEntry(key: string, value: unknown, indent = '', opts: YamlOptions = {}): string {
  if (value === undefined) return '';
  const sort = opts.sortKeys ?? false;
  try {
    return blockText({ [key]: value }, indent, indent, sort);
  } catch (e) {
    if (e !== FULL_YAML) throw e;
    // The `yaml` package writes an entry the same inside any block mapping at the same depth: nest it that deep
    // under one-key mappings and drop their lines.
    const depth = indent.length / 2;
    let doc: unknown = { [key]: value };
    for (let i = 0; i < depth; i++) doc = { x: doc };
    return full(doc, sort).split('\n').slice(depth).join('\n');
  }
}
