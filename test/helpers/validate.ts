import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PriorityClass } from 'kubernetes-models/scheduling.k8s.io/v1/PriorityClass';
import { parse, parseAllDocuments } from 'yaml';

// The official Compose Specification schema, copied into schemas/ (see schemas/README.md). Its $schema URL is not one
// ajv knows, hence validateSchema: false.
const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
addFormats(ajv);
const composeSchema = ajv.compile(JSON.parse(fs.readFileSync(path.join(__dirname, '../../schemas/compose-spec.json'), 'utf8')));

/** Schema errors of a Compose file, as readable strings (empty when valid). */
export function composeErrors(doc: unknown): string[] {
  return composeSchema(doc) ? [] : (composeSchema.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

// Kubernetes OpenAPI validation by kubernetes-models (JSON schemas generated from the Kubernetes OpenAPI spec).
const K8S_MODELS: Record<string, { validate(o: unknown): void }> = {
  'apps/v1/Deployment': { validate: (o) => new Deployment(o as any).validate() },
  'v1/Service': { validate: (o) => new Service(o as any).validate() },
  'v1/PersistentVolumeClaim': { validate: (o) => new PersistentVolumeClaim(o as any).validate() },
  'v1/ConfigMap': { validate: (o) => new ConfigMap(o as any).validate() },
  'apps/v1/StatefulSet': { validate: (o) => new StatefulSet(o as any).validate() },
  'batch/v1/Job': { validate: (o) => new Job(o as any).validate() },
  'batch/v1/CronJob': { validate: (o) => new CronJob(o as any).validate() },
  'policy/v1/PodDisruptionBudget': { validate: (o) => new PodDisruptionBudget(o as any).validate() },
  'autoscaling/v2/HorizontalPodAutoscaler': { validate: (o) => new HorizontalPodAutoscaler(o as any).validate() },
  'networking.k8s.io/v1/NetworkPolicy': { validate: (o) => new NetworkPolicy(o as any).validate() },
  'scheduling.k8s.io/v1/PriorityClass': { validate: (o) => new PriorityClass(o as any).validate() },
  // Custom resources: the openAPIV3Schema of the CRD the cluster validates them with (schemas/crds, see its README)
  'keda.sh/v1alpha1/ScaledObject': crdValidator('keda.sh_scaledobjects.yaml', 'v1alpha1'),
  'monitoring.coreos.com/v1/ServiceMonitor': crdValidator('monitoring.coreos.com_servicemonitors.yaml', 'v1'),
};

function crdValidator(file: string, version: string): { validate(o: unknown): void } {
  const crd = parse(fs.readFileSync(path.join(__dirname, '../../schemas/crds', file), 'utf8'));
  const schema = crd.spec.versions.find((v: any) => v.name === version).schema.openAPIV3Schema;
  const crdAjv = new Ajv({ strict: false, allErrors: true });
  addFormats(crdAjv); // int32, int64 and the other OpenAPI formats
  const check = crdAjv.compile(schema);
  return {
    validate(o: unknown) {
      if (!check(o)) throw new Error((check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('; '));
    },
  };
}

/** OpenAPI errors of one Kubernetes object (empty when valid); an unknown kind is an error. */
export function k8sErrors(obj: any): string[] {
  const model = K8S_MODELS[`${obj?.apiVersion}/${obj?.kind}`];
  if (!model) return [`no schema for ${obj?.apiVersion}/${obj?.kind}`];
  try {
    model.validate(obj);
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}

/** Parses a YAML stream strictly: duplicate keys and syntax errors fail. */
export function parseStream(text: string): any[] {
  return parseAllDocuments(text, { uniqueKeys: true }).map((d) => {
    if (d.errors.length) throw new Error(d.errors.map((e) => e.message).join('; '));
    return d.toJSON();
  });
}

export function parseYaml(text: string): any {
  return parse(text, { uniqueKeys: true });
}

/** Every Kubernetes object of a synth result, with the file it came from. */
export function k8sObjects(files: Map<string, string>): Array<{ file: string; obj: any }> {
  const out: Array<{ file: string; obj: any }> = [];
  for (const [f, text] of files) {
    // kustomization.yaml is Kustomize's file, not a cluster object
    if (f.startsWith('k8s/') && f.split('/').length === 3 && !f.endsWith('/kustomization.yaml')) for (const obj of parseStream(text)) out.push({ file: f, obj });
  }
  return out;
}

const ALLOWED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/**
 * Violations of the Pod Security Standards 'restricted' profile (kubernetes.io/docs/concepts/security/pod-security-standards,
 * v1.28 policies), checked independently of the code that wrote the manifests.
 */
export function restrictedViolations(podSpec: any): string[] {
  const v: string[] = [];
  const podSc = podSpec.securityContext ?? {};
  for (const vol of podSpec.volumes ?? []) {
    const types = Object.keys(vol).filter((k) => k !== 'name');
    if (!types.every((t) => ALLOWED_VOLUME_TYPES.includes(t))) v.push(`volume ${vol.name} uses ${types}`);
  }
  if (podSpec.hostNetwork || podSpec.hostPID || podSpec.hostIPC) v.push('host namespaces');
  if (podSc.runAsUser === 0) v.push('pod runAsUser 0');
  const containers = [...(podSpec.initContainers ?? []), ...podSpec.containers];
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) v.push(`${c.name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) v.push(`${c.name}: allowPrivilegeEscalation is not false`);
    if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) v.push(`${c.name}: runAsNonRoot is not true`);
    if ((sc.runAsUser ?? podSc.runAsUser) === 0) v.push(`${c.name}: runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? podSc.seccompProfile?.type;
    if (!['RuntimeDefault', 'Localhost'].includes(seccomp)) v.push(`${c.name}: seccompProfile ${seccomp}`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) v.push(`${c.name}: capabilities not dropping ALL`);
    const added = sc.capabilities?.add ?? [];
    if (added.some((a: string) => a !== 'NET_BIND_SERVICE')) v.push(`${c.name}: adds ${added}`);
    for (const p of c.ports ?? []) if (p.hostPort) v.push(`${c.name}: hostPort ${p.hostPort}`);
  }
  return v;
}

/** The pod templates of a list of objects (a CronJob's is inside its job template). */
export function podTemplates(objects: Array<{ file: string; obj: any }>): Array<{ file: string; name: string; spec: any }> {
  return objects.filter(({ obj }) => obj.spec?.template?.spec || obj.spec?.jobTemplate?.spec?.template?.spec)
    .map(({ file, obj }) => ({ file, name: obj.metadata.name, spec: obj.spec.template?.spec ?? obj.spec.jobTemplate.spec.template.spec }));
}
