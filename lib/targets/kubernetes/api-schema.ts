import * as fs from 'fs';
import * as path from 'path';
import { nearest } from '../../internal/nearest';
import { packageFile } from '../../internal/package-file';

/*
 * What the API server knows of a kind: its fields, for the strict field validation `kubectl apply` does by default
 * (an unknown field is an error, not a silently dropped value), and whether it is namespaced. Built-in kinds come
 * from schemas/kubernetes/api-fields.json (generated from a real kube-apiserver by scripts/gen-k8s-fields.ts), custom
 * resources from the CRDs in schemas/crds/. Loaded only when an object the library did not build is checked.
 */

/** A field's type: a definition's name, `[]<type>`, `{}<type>`, 'scalar', or 'any' where unknown fields are kept. */
type FieldType = string;

/** A JSON-schema node of a CRD. */
interface CrdSchema {
  readonly type?: string;
  readonly properties?: Record<string, CrdSchema>;
  readonly items?: CrdSchema;
  readonly additionalProperties?: CrdSchema | boolean;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
}

interface BuiltIn {
  readonly kinds: Record<string, { definition: string; namespaced: boolean }>;
  readonly definitions: Record<string, Record<string, FieldType>>;
}

let builtIn: BuiltIn | undefined;
let crds: Map<string, { schema: CrdSchema; namespaced: boolean }> | undefined;

function builtInKinds(): BuiltIn {
  if (!builtIn) builtIn = JSON.parse(fs.readFileSync(packageFile('schemas/kubernetes/api-fields.json'), 'utf8')) as BuiltIn;
  return builtIn;
}

/** The CRDs' schemas by `<group>/<version>/<kind>`, read only when a kind is not built in. */
function customKinds(): Map<string, { schema: CrdSchema; namespaced: boolean }> {
  if (!crds) {
    // the yaml package is loaded only here: the library's own output never needs it
    const { parseAllDocuments } = require('yaml') as typeof import('yaml');
    crds = new Map();
    const dir = path.dirname(packageFile('schemas/crds/keda.sh_scaledobjects.yaml'));
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.yaml')).sort()) {
      for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'))) {
        const crd = doc.toJS();
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        for (const v of crd.spec.versions) {
          crds.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, { schema: v.schema.openAPIV3Schema, namespaced: crd.spec.scope === 'Namespaced' });
        }
      }
    }
  }
  return crds;
}

/**
 * Whether the API server knows `apiVersion`/`kind` (a built-in kind, or one of the CRDs in schemas/crds), and if so
 * whether it is namespaced.
 * @internal
 */
export function kindScope(apiVersion: string, kind: string): 'namespaced' | 'cluster' | undefined {
  const k = builtInKinds().kinds[`${apiVersion}/${kind}`] ?? customKinds().get(`${apiVersion}/${kind}`);
  return k === undefined ? undefined : k.namespaced ? 'namespaced' : 'cluster';
}

/**
 * The fields of `obj` that its kind does not have, each as its path with the nearest field there, e.g.
 * `spec.template.spec.priorityClass (did you mean priorityClassName?)`. Empty for an unknown kind.
 * @internal
 */
export function unknownFields(obj: Record<string, unknown>): string[] {
  const b = builtInKinds();
  const key = `${obj.apiVersion}/${obj.kind}`;
  const out: string[] = [];
  const builtInKind = b.kinds[key];
  if (builtInKind) {
    walkBuiltIn(b, obj, builtInKind.definition, '', out);
    return out;
  }
  const crd = customKinds().get(key);
  if (crd) {
    // a CRD's schema leaves out the object's metadata, which every object has
    const { metadata, ...rest } = obj;
    walkCrd(rest, crd.schema, '', out);
    walkBuiltIn(b, metadata, 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'metadata', out);
  }
  return out;
}

function walkBuiltIn(b: BuiltIn, v: unknown, type: FieldType, at: string, out: string[]): void {
  if (v === null || v === undefined || type === 'any' || type === 'scalar') return;
  if (type.startsWith('[]')) {
    if (Array.isArray(v)) v.forEach((x, i) => walkBuiltIn(b, x, type.slice(2), `${at}[${i}]`, out));
    return;
  }
  if (type.startsWith('{}')) {
    if (typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walkBuiltIn(b, x, type.slice(2), `${at}.${k}`, out);
    return;
  }
  const fields = b.definitions[type];
  if (!fields || typeof v !== 'object' || Array.isArray(v)) return;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const where = at ? `${at}.${k}` : k;
    if (!(k in fields)) out.push(unknown(where, k, Object.keys(fields)));
    else walkBuiltIn(b, x, fields[k], where, out);
  }
}

function walkCrd(v: unknown, s: CrdSchema | undefined, at: string, out: string[]): void {
  if (v === null || v === undefined || !s || s['x-kubernetes-preserve-unknown-fields']) return;
  if (Array.isArray(v)) {
    if (s.items) v.forEach((x, i) => walkCrd(x, s.items, `${at}[${i}]`, out));
    return;
  }
  if (typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const where = at ? `${at}.${k}` : k;
    if (s.properties && k in s.properties) walkCrd(x, s.properties[k], where, out);
    else if (typeof s.additionalProperties === 'object') walkCrd(x, s.additionalProperties, where, out);
    else if (s.properties || s.additionalProperties === false) out.push(unknown(where, k, Object.keys(s.properties ?? {})));
  }
}

function unknown(where: string, key: string, known: string[]): string {
  const near = nearest(key, known);
  return `unknown field ${where}${near ? ` (did you mean ${near}?)` : ''}`;
}
