import { ResolvedStack, ResolvedWorkload, workloadsIn } from '../../model/model';
import { mergePatch } from '../../internal/merge-patch';
import { toYaml, toYamlStream } from '../../internal/yaml-output';
import { EmitFile, ReportProblem, Target } from '../target';
import { imageTag, selectorLabels, workloadLabels } from './labels';
import { podControllerKind, workloadObjects } from './objects';
import { autoscalingPolicy } from './policies/autoscaling';
import { metricsPolicy } from './policies/metrics';
import { isOwnPolicy } from './policies/own-policies';
import { KubernetesPolicy, PolicyContext, PolicyWorkload } from '../../model/policy';
import { kindScope } from './api-schema';
import { jobName } from './job-name';
import { namespaceScopeFiles } from './namespace-scope';
import { objectErrors } from './validate-objects';

/** Where the manifests live inside the output folder: one folder per profile. */
export const K8S_DIR = 'k8s';
/**
 * The file of a profile's escape-hatch objects. Workload files are named after DNS labels, which have no '_', so
 * this name can never be a workload's.
 */
export const EXTRA_MANIFESTS_FILE = '_manifests.yaml';

/** The Kustomize file of each profile folder. */
export const KUSTOMIZATION_FILE = 'kustomization.yaml';

const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/**
 * Kubernetes: for every profile that lists it, the whole stack (profile-independent workloads and that profile's
 * variants) into `k8s/<profile>/<workload>.yaml`, so `kubectl apply -f dist/k8s/<profile>/` deploys it.
 * @internal
 */
export const kubernetesTarget: Target = {
  name: 'kubernetes',
  scope: 'profile',

  check(stack: ResolvedStack, profiles: string[], report: ReportProblem): void {
    // the checks of rendered objects run in render(), which renders each workload once
    for (const profile of profiles) {
      for (const w of workloadsIn(stack, profile)) {
        const tag = imageTag(w.image);
        if (tag !== undefined && !LABEL_VALUE.test(tag)) {
          report(w.path, `image tag ${JSON.stringify(tag)} cannot be the app.kubernetes.io/version label (at most 63 letters, digits, '-', '_', '.'): use a shorter tag, or pin by digest alone`);
        }
        if (w.autoscaling && w.gpu && w.kind !== 'job' && stack.namespace === undefined) {
          report(w.path, `GPU autoscaling of '${w.service}' in profile '${profile}' queries Prometheus for the pods of one namespace, and the app sets none: set MlApp({ namespace }) (an overlay that changes it lists ${K8S_DIR}/${profile}/namespace-scope under transformers:, see the README)`);
        }
      }
    }
  },

  render(stack: ResolvedStack, profiles: string[], emit: EmitFile, report: ReportProblem): void {
    for (const profile of profiles) {
      // Every object of the profile by identity: two objects with one identity would overwrite each other on apply.
      const seen = new Map<string, string>();
      const own = (obj: Record<string, any>, source: string, path: string, validate: boolean, unknownKind?: 'namespaced' | 'cluster') => {
        const errors = validate ? objectErrors(obj, unknownKind) : [];
        if (errors.length) {
          report(path, `${source} in profile '${profile}' is not a valid Kubernetes object (${errors.join('; ')}): fix it`);
          return;
        }
        const slash = obj.apiVersion.indexOf('/');
        const id = `${slash >= 0 ? obj.apiVersion.slice(0, slash) : ''}/${obj.kind}/${obj.metadata.namespace ?? stack.namespace ?? ''}/${obj.metadata.name}`;
        const other = seen.get(id);
        if (other) report(path, `${source} and ${other} are both ${obj.kind} '${obj.metadata.name}' in profile '${profile}': rename one`);
        seen.set(id, source);
      };
      const resources: string[] = [];
      const scaledObjects: string[] = [];
      for (const w of workloadsIn(stack, profile)) {
        const built = renderWorkload(stack, w, profile);
        const overrides = overridesIn(w, profile);
        const kinds = new Set(built.own.map((o) => o.kind));
        for (const o of overrides) {
          if (!kinds.has(o.kind)) report(w.path, `Kubernetes override names kind ${JSON.stringify(o.kind)}, which workload '${w.service}' does not render in profile '${profile}': use one of ${JSON.stringify([...kinds])}`);
        }
        for (const obj of built.own) {
          if (overrides.some((o) => o.kind === obj.kind) || built.patched === obj.kind) own(obj, `the ${obj.kind} of '${w.service}' as overridden or patched by a policy`, w.path, true);
          else own(obj, `${obj.kind} of '${w.service}'`, w.path, false);
        }
        // objects of the library's own policies are tested against the schema; those of other policies are checked
        for (const [id, objs] of built.policies) for (const obj of objs) own(obj, `an object of policy '${id}' for '${w.service}'`, w.path, built.checked.has(obj));
        const objects = built.policies.size ? [...built.own, ...[...built.policies.values()].flat()] : built.own;
        for (const o of objects) if (o.kind === 'ScaledObject' && o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'cdk8s-ml') scaledObjects.push(o.metadata.name);
        const file = `${w.service}.yaml`;
        resources.push(file);
        emit(`${K8S_DIR}/${profile}/${file}`, toYamlStream(objects,
          `Generated by cdk8s-ml: ${w.service}${w.profile ? ` (profile ${w.profile})` : ''}. Do not edit; change the declaration and run \`npm run synth\`.`,
          { sortKeys: true }));
      }
      const extra = stack.manifests.filter((m) => m.profile === profile).map((m) => ({ ...m, object: inNamespace(m.object, stack.namespace, m.unknownKind) }));
      for (const m of extra) own(m.object, 'a manifest added with addManifest()', m.path, true, m.unknownKind);
      if (extra.length) {
        resources.push(EXTRA_MANIFESTS_FILE);
        emit(`${K8S_DIR}/${profile}/${EXTRA_MANIFESTS_FILE}`, toYamlStream(extra.map((m) => m.object),
          'Generated by cdk8s-ml: objects added with addManifest(). Do not edit; change the declaration and run `npm run synth`.', { sortKeys: true }));
      }
      for (const [file, text] of scaledObjects.length ? namespaceScopeFiles(scaledObjects) : []) emit(`${K8S_DIR}/${profile}/${file}`, text);
      // `kubectl apply -k dist/k8s/<profile>` deploys the folder; overlays in other repositories build on it.
      emit(`${K8S_DIR}/${profile}/${KUSTOMIZATION_FILE}`, toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: resources.sort() },
        `Generated by cdk8s-ml: the ${profile} profile as a Kustomize base (kubectl apply -k). Do not edit; overlay it.`));
    }
  },
};

/**
 * A workload's own objects, its policies' objects by policy id, the policy objects to validate (those of policies
 * that are not the library's own), and the kind of its pod controller when such a policy patched it.
 */
type Rendered = { own: Array<Record<string, any>>; policies: Map<string, Array<Record<string, any>>>; checked: Set<object>; patched?: string };

/**
 * Policies every workload gets: they render what its own declaration asks for (autoscaling, metrics), so each runs
 * only for the workloads that ask.
 */
const BUILT_IN_POLICIES: ReadonlyArray<{ policy: KubernetesPolicy; wanted: (w: ResolvedWorkload) => boolean }> = [
  { policy: autoscalingPolicy, wanted: (w) => w.autoscaling !== undefined },
  { policy: metricsPolicy, wanted: (w) => w.metrics !== undefined },
];

/** A workload's own objects (overrides applied) and its policies' objects, by policy id. */
function renderWorkload(stack: ResolvedStack, w: ResolvedWorkload, profile: string): Rendered {
  let own = workloadObjects(stack, w);
  const policies = new Map<string, Array<Record<string, any>>>();
  const checked = new Set<object>();
  const registered = [...BUILT_IN_POLICIES.filter((b) => b.wanted(w)).map((b) => b.policy), ...w.policies];
  if (!registered.length && !overridesIn(w, profile).length) return { own: named(own), policies, checked };
  const ctx: PolicyContext = {
    stackName: stack.name, namespace: stack.namespace, profile, monitoring: stack.monitoring,
    workload: policyView(stack, w),
    // every workload of the profile, computed once per profile and only for policies that look across workloads
    get workloads() {
      return profileViews(stack, profile);
    },
  };
  const controller = podControllerKind(w);
  let patched = false;
  for (const p of registered) {
    const mine = isOwnPolicy(p);
    const objects = p.objects(ctx);
    if (objects.length) policies.set(p.id, [...(policies.get(p.id) ?? []), ...objects]);
    if (!mine) objects.forEach((o) => checked.add(o));
    const template = p.podTemplate?.(ctx);
    if (template) {
      if (!mine) patched = true;
      const wrap = controller === 'CronJob' ? { spec: { jobTemplate: { spec: { template } } } } : { spec: { template } };
      own = own.map((obj) => (obj.kind === controller ? mergePatch(obj, wrap) as Record<string, any> : obj));
    }
  }
  for (const o of overridesIn(w, profile)) own = own.map((obj) => (obj.kind === o.kind ? mergePatch(obj, o.patch) as Record<string, any> : obj));
  return { own: named(own), policies, checked, patched: patched ? controller : undefined };
}

/** An added object, put in the app's namespace when it is namespaced and names none. */
function inNamespace(obj: Record<string, any>, namespace: string | undefined, unknownKind: 'namespaced' | 'cluster' | undefined): Record<string, any> {
  if (namespace === undefined || obj?.metadata === null || typeof obj?.metadata !== 'object' || obj.metadata.namespace !== undefined) return obj;
  const scope = typeof obj.apiVersion === 'string' && typeof obj.kind === 'string' ? kindScope(obj.apiVersion, obj.kind) ?? unknownKind : undefined;
  return scope === 'namespaced' ? { ...obj, metadata: { ...obj.metadata, namespace } } : obj;
}

/** The objects with each one-shot Job named after its final spec (job-name.ts). */
function named(own: Array<Record<string, any>>): Array<Record<string, any>> {
  return own.map((obj) => (obj.kind === 'Job' ? { ...obj, metadata: { ...obj.metadata, name: jobName(obj.metadata.name, obj.spec) } } : obj));
}

function overridesIn(w: ResolvedWorkload, profile: string) {
  return w.kubernetesOverrides.filter((o) => o.profile === undefined || o.profile === profile);
}

const GPU_METRIC_LABELS = {
  exported: { pod: 'exported_pod', namespace: 'exported_namespace', container: 'exported_container' },
  honored: { pod: 'pod', namespace: 'namespace', container: 'container' },
} as const;

const viewsCache = new WeakMap<ResolvedStack, Map<string, PolicyWorkload[]>>();

function profileViews(stack: ResolvedStack, profile: string): PolicyWorkload[] {
  let byProfile = viewsCache.get(stack);
  if (!byProfile) viewsCache.set(stack, byProfile = new Map());
  let views = byProfile.get(profile);
  if (!views) byProfile.set(profile, views = workloadsIn(stack, profile).map((x) => policyView(stack, x)));
  return views;
}

function policyView(stack: ResolvedStack, w: ResolvedWorkload): PolicyWorkload {
  return {
    name: w.service,
    kind: w.kind,
    replicas: w.kind === 'job' ? 1 : w.replicas,
    controllerKind: podControllerKind(w),
    selector: selectorLabels(w),
    labels: workloadLabels(stack.name, w),
    ports: w.ports.filter((p) => p.name !== 'debug').map((p) => ({ name: p.name, port: p.port, published: p.hostPort !== undefined })),
    dependsOn: w.dependsOn.map((d) => d.service),
    gpus: w.gpu?.count ?? 0,
    gpuMetricLabels: w.gpu && w.scheduling ? GPU_METRIC_LABELS[w.scheduling.dcgmLabels] : undefined,
    container: w.service,
    autoscaling: w.autoscaling,
    metrics: w.metrics,
    egress: w.egress,
    ingressFrom: w.ingressFrom,
  };
}

