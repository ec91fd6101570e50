import { optionalModule } from '../../internal/optional-module';
import { kindScope, unknownFields } from './api-schema';

/*
 * Validation of objects the library did not build itself: escape-hatch manifests, policy objects and overridden
 * objects. kubernetes-models (JSON schemas generated from the Kubernetes OpenAPI spec) is loaded only when such an
 * object exists, so an app without them pays nothing.
 */

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MODELS: Record<string, string> = {
  'v1/Service': 'kubernetes-models/v1/Service',
  'v1/PersistentVolumeClaim': 'kubernetes-models/v1/PersistentVolumeClaim',
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/ServiceAccount': 'kubernetes-models/v1/ServiceAccount',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'apps/v1/StatefulSet': 'kubernetes-models/apps/v1/StatefulSet',
  'batch/v1/Job': 'kubernetes-models/batch/v1/Job',
  'batch/v1/CronJob': 'kubernetes-models/batch/v1/CronJob',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
  'networking.k8s.io/v1/NetworkPolicy': 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
  'networking.k8s.io/v1/Ingress': 'kubernetes-models/networking.k8s.io/v1/Ingress',
  'autoscaling/v2/HorizontalPodAutoscaler': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
};

/**
 * What is wrong with one object: the shape every object needs, a kind the API server knows (built in, or from a CRD
 * in schemas/crds; another only with `unknownKind`), no field its kind lacks, and the OpenAPI schema of core kinds.
 * @internal
 */
export function objectErrors(obj: unknown, unknownKind?: 'namespaced' | 'cluster'): string[] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return ['it is not an object'];
  const o = obj as Record<string, any>;
  const errors: string[] = [];
  if (typeof o.apiVersion !== 'string' || !/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(o.apiVersion)) errors.push(`apiVersion ${JSON.stringify(o.apiVersion)} is not '<group>/<version>' or 'v1'`);
  if (typeof o.kind !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(o.kind)) errors.push(`kind ${JSON.stringify(o.kind)} is not a Kubernetes kind`);
  const name = o.metadata?.name;
  if (typeof name !== 'string' || name.length > 253 || !DNS_SUBDOMAIN.test(name)) errors.push(`metadata.name ${JSON.stringify(name)} is not a DNS-1123 subdomain`);
  if (errors.length) return errors;
  if (kindScope(o.apiVersion, o.kind) === undefined) {
    if (unknownKind === undefined) return [`${o.apiVersion} ${o.kind} is not a built-in kind nor one of the CRDs cdk8s-ml knows (KEDA ScaledObject, Prometheus Operator ServiceMonitor and PodMonitor), so its fields cannot be checked: fix apiVersion or kind, or add it with addManifest(profile, object, { unknownKind: 'namespaced' }) (or 'cluster') to accept it unchecked`];
  } else {
    errors.push(...unknownFields(o).map((f) => `${f}: the API server refuses unknown fields under strict validation; remove it or fix its name`));
  }
  const model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (model) {
    const Cls = Object.values(optionalModule(model, 'added manifests, overrides and policy objects')).find((v) => typeof v === 'function') as any;
    try {
      new Cls(o).validate();
    } catch (e) {
      errors.push(String((e as Error).message).split('\n').slice(0, 6).join(' '));
    }
  }
  return errors;
}
