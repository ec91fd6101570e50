import { ResolvedStack, ResolvedWorkload, assertNever } from '../../model/model';
import { selectorLabels, workloadLabels } from './labels';
import { mebibytes, podSpec } from './pod-spec';

/** A Kubernetes object or part of one, as plain JSON (field names as the API spells them). */
type K8s = Record<string, any>;

/**
 * The Kubernetes objects of one workload's own kind, as plain JSON, in apply order (claims before the pods that
 * mount them). Built as plain objects with the API's field names: the L1 classes' conversion would only copy data
 * that is already JSON, and loading them (cdk8s-plus-28's k8s.js is 2.7 MB) cost a third of a small synth.
 * @internal
 */
export function workloadObjects(stack: ResolvedStack, w: ResolvedWorkload): Array<Record<string, any>> {
  const labels = workloadLabels(stack.name, w);
  const selector = selectorLabels(w);
  const meta = (name: string) => (stack.namespace ? { labels, name, namespace: stack.namespace } : { labels, name });
  const claims = () => w.volumes.filter((v) => !v.perPod).map((v) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim',  metadata: meta(v.claim), spec: claimSpec(v) }));
  const template = { metadata: { labels }, spec: podSpec(w, { claims: w.kind !== 'stateful' }) };
  const service = (headless: boolean) => (w.ports.length || headless ? [({ apiVersion: 'v1', kind: 'Service', 
    metadata: meta(w.service),
    spec: {
      ...(headless ? { clusterIP: 'None' } : { type: 'ClusterIP' }),
      selector,
      ports: servicePorts(w.ports),
    },
  })] : []);

  switch (w.kind) {
    case 'service':
      return [...claims(), ({ apiVersion: 'apps/v1', kind: 'Deployment', 
        metadata: meta(w.service),
        spec: {
          replicas: fixedReplicas(w),
          selector: { matchLabels: selector },
          // A ReadWriteOnce claim cannot be mounted by the old and the new pod at once.
          strategy: w.volumes.some((v) => !v.perPod) ? RECREATE : ROLLING_UPDATE,
          template,
        },
      }), ...service(false)];
    case 'stateful':
      // The headless Service comes first: it gives the pods their stable DNS names (serviceName).
      return [...service(true), ({ apiVersion: 'apps/v1', kind: 'StatefulSet', 
        metadata: meta(w.service),
        spec: {
          serviceName: w.service,
          replicas: fixedReplicas(w),
          selector: { matchLabels: selector },
          podManagementPolicy: 'OrderedReady',
          updateStrategy: { type: 'RollingUpdate' },
          template,
          volumeClaimTemplates: w.volumes.map((v) => ({ metadata: { name: v.name, labels }, spec: claimSpec(v) })),
        },
      })];
    case 'job': {
      const jobSpec: K8s = {
        backoffLimit: w.backoffLimit,
        activeDeadlineSeconds: w.activeDeadlineSeconds,
        ttlSecondsAfterFinished: w.ttlSecondsAfterFinished,
        template,
      };
      if (w.schedule === undefined) return [...claims(), ({ apiVersion: 'batch/v1', kind: 'Job',  metadata: meta(w.service), spec: jobSpec })];
      return [...claims(), ({ apiVersion: 'batch/v1', kind: 'CronJob', 
        metadata: meta(w.service),
        spec: { schedule: w.schedule, concurrencyPolicy: w.concurrencyPolicy, jobTemplate: { metadata: { labels }, spec: jobSpec } },
      })];
    }
    default:
      return assertNever(w);
  }
}

/**
 * The replicas written into a Deployment or StatefulSet: none when an autoscaler owns the count. The Kubernetes
 * docs ("Migrating Deployments and StatefulSets to horizontal autoscaling") say to leave `spec.replicas` out of the
 * manifest then: every apply would reset the autoscaler's count, and a server-side apply would conflict with it. The
 * API server defaults a new object to 1 and the autoscaler raises it to its minimum.
 */
function fixedReplicas(w: ResolvedWorkload & { replicas: number }): number | undefined {
  return w.autoscaling ? undefined : w.replicas;
}

const RECREATE = { type: 'Recreate' };
const ROLLING_UPDATE = { type: 'RollingUpdate' };
const claimSpec = (v: ResolvedWorkload['volumes'][number]): K8s => ({
  accessModes: ['ReadWriteOnce'],
  storageClassName: v.storageClassName,
  resources: { requests: { storage: mebibytes(v.sizeMiB) } },
});
const servicePorts = (ports: ResolvedWorkload['ports']) => ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: 'TCP' }));

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
