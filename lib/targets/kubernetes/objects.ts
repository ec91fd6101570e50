import { k8s } from 'cdk8s-plus-28';
import { ResolvedStack, ResolvedWorkload, assertNever } from '../../resolve/model';
import { selectorLabels, workloadLabels } from './labels';
import { mebibytes, podSpec } from './pod-spec';

/**
 * The Kubernetes objects of one workload's own kind, as plain JSON, in apply order (claims before the pods that
 * mount them). The L1 classes' static manifest() gives the same JSON as a construct's toJson() without building an
 * App and a Chart per object.
 * @internal
 */
export function workloadObjects(stack: ResolvedStack, w: ResolvedWorkload): Array<Record<string, any>> {
  const labels = workloadLabels(stack.name, w);
  const meta = (name: string) => ({ name, labels, ...(stack.namespace ? { namespace: stack.namespace } : {}) });
  const claimSpec = (v: ResolvedWorkload['volumes'][number]): k8s.PersistentVolumeClaimSpec => ({
    accessModes: ['ReadWriteOnce'],
    storageClassName: v.storageClassName,
    resources: { requests: { storage: k8s.Quantity.fromString(mebibytes(v.sizeMiB)) } },
  });
  const claims = () => w.volumes.filter((v) => !v.perPod).map((v) => k8s.KubePersistentVolumeClaim.manifest({ metadata: meta(v.claim), spec: claimSpec(v) }));
  const template = { metadata: { labels }, spec: podSpec(w, { claims: w.kind !== 'stateful' }) };
  const service = (headless: boolean) => (w.ports.length || headless ? [k8s.KubeService.manifest({
    metadata: meta(w.service),
    spec: {
      ...(headless ? { clusterIp: 'None' } : { type: 'ClusterIP' }),
      selector: selectorLabels(w),
      ports: w.ports.map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.name), protocol: 'TCP' })),
    },
  })] : []);

  switch (w.kind) {
    case 'service':
      return [...claims(), k8s.KubeDeployment.manifest({
        metadata: meta(w.service),
        spec: {
          replicas: w.replicas,
          selector: { matchLabels: selectorLabels(w) },
          // A ReadWriteOnce claim cannot be mounted by the old and the new pod at once.
          strategy: w.volumes.some((v) => !v.perPod) ? { type: 'Recreate' } : { type: 'RollingUpdate' },
          template,
        },
      }), ...service(false)];
    case 'stateful':
      // The headless Service comes first: it gives the pods their stable DNS names (serviceName).
      return [...service(true), k8s.KubeStatefulSet.manifest({
        metadata: meta(w.service),
        spec: {
          serviceName: w.service,
          replicas: w.replicas,
          selector: { matchLabels: selectorLabels(w) },
          podManagementPolicy: 'OrderedReady',
          updateStrategy: { type: 'RollingUpdate' },
          template,
          volumeClaimTemplates: w.volumes.map((v) => ({ metadata: { name: v.name, labels }, spec: claimSpec(v) })),
        },
      })];
    case 'job': {
      const jobSpec: k8s.JobSpec = {
        backoffLimit: w.backoffLimit,
        activeDeadlineSeconds: w.activeDeadlineSeconds,
        ttlSecondsAfterFinished: w.ttlSecondsAfterFinished,
        template,
      };
      if (w.schedule === undefined) return [...claims(), k8s.KubeJob.manifest({ metadata: meta(w.service), spec: jobSpec })];
      return [...claims(), k8s.KubeCronJob.manifest({
        metadata: meta(w.service),
        spec: { schedule: w.schedule, concurrencyPolicy: w.concurrencyPolicy, jobTemplate: { metadata: { labels }, spec: jobSpec } },
      })];
    }
    default:
      return assertNever(w);
  }
}

/**
 * The kind of the object that runs a workload's pods.
 * @internal
 */
export function podControllerKind(w: ResolvedWorkload): string {
  switch (w.kind) {
    case 'service': return 'Deployment';
    case 'stateful': return 'StatefulSet';
    case 'job': return w.schedule === undefined ? 'Job' : 'CronJob';
    default: return assertNever(w);
  }
}
