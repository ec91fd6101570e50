import type { ScaledObject } from '../../../../imports/keda.sh';
import { ownPolicyObject } from './own-policies';
import { KubernetesPolicy, PolicyContext, policyMetadata } from '../../../model/policy';

/** NVIDIA DCGM exporter's GPU utilisation gauge (percent), labelled with the pod it is attributed to. */
export const DCGM_GPU_UTIL = 'DCGM_FI_DEV_GPU_UTIL';

/**
 * Autoscaling of workloads that declare `autoscaling` (built in, always applied): an `autoscaling/v2`
 * HorizontalPodAutoscaler on CPU (and memory) utilisation where the pod takes no GPU, a KEDA `ScaledObject`
 * (keda.sh/v1alpha1) where it does, with Prometheus triggers on the DCGM exporter's GPU utilisation of the workload's
 * pods and, when declared, on the service's in-flight requests. KEDA creates and owns the HPA behind a ScaledObject.
 * @internal
 */
export const autoscalingPolicy: KubernetesPolicy = ownPolicyObject({
  id: 'autoscaling',
  objects(ctx: PolicyContext): Array<Record<string, unknown>> {
    const w = ctx.workload;
    const a = w.autoscaling;
    if (!a || w.kind === 'job') return [];
    const target = { apiVersion: 'apps/v1', kind: w.controllerKind, name: w.name };
    if (w.gpus === 0) {
      return [{
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: policyMetadata(ctx),
        spec: {
          scaleTargetRef: target,
          minReplicas: Math.max(1, a.minReplicas),
          maxReplicas: a.maxReplicas,
          metrics: [
            { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: a.cpuUtilization } } },
            ...(a.memoryUtilization ? [{ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: a.memoryUtilization } } }] : []),
          ],
          behavior: { scaleDown: { stabilizationWindowSeconds: a.cooldownSeconds } },
        },
      }];
    }
    // KEDA hands each query's value to the HPA as an external metric with `metricType: AverageValue`, for which the
    // HPA wants ceil(value / threshold) replicas (Kubernetes docs, "Horizontal Pod Autoscaling", algorithm details).
    // So every query returns a total over the workload's pods, and the threshold is what one replica should carry:
    // an average would never ask for more than ceil(100 / threshold) replicas.
    const ns = ctx.namespace!;
    const gpu = w.gpuMetricLabels!;
    const pods = podNamePattern(w);
    const scaled: ScaledObject = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: policyMetadata(ctx) as ScaledObject['metadata'],
      spec: {
        scaleTargetRef: target,
        minReplicaCount: a.minReplicas,
        maxReplicaCount: a.maxReplicas,
        cooldownPeriod: a.cooldownSeconds,
        pollingInterval: 30,
        // The namespace is the first quoted value of every query: the Kustomize namespace-scope transformer
        // (kubernetes/namespace-scope.ts) rewrites it when an overlay moves the objects to another namespace.
        triggers: [
          {
            type: 'prometheus',
            name: 'gpu-utilization',
            metricType: 'AverageValue',
            metadata: {
              serverAddress: a.prometheusUrl,
              query: `sum(${DCGM_GPU_UTIL}{${gpu.namespace}="${ns}",${gpu.pod}=~"${pods}",${gpu.container}="${w.container}"})`,
              // a pod's series are one per GPU it holds
              threshold: String(a.gpuUtilization * w.gpus),
            },
          },
          ...(a.inFlightRequests ? [{
            type: 'prometheus',
            name: 'in-flight-requests',
            metricType: 'AverageValue',
            metadata: {
              serverAddress: a.prometheusUrl,
              // scraped from the workload's own pods, so Prometheus's target labels name them
              query: `sum(${a.inFlightRequests.metric}{namespace="${ns}",pod=~"${pods}"})`,
              threshold: String(a.inFlightRequests.perReplica),
            },
          }] : []),
        ],
      },
    };
    return [scaled as unknown as Record<string, unknown>];
  },
});

// The characters of generated name parts: k8s.io/apimachinery/pkg/util/rand, which the ReplicaSet's pod-template-hash
// (SafeEncodeString, up to 10 characters) and a pod's generateName suffix (String(5)) are drawn from.
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';

/**
 * The names of a workload's own pods, as a PromQL regular expression (anchored by PromQL): `<name>-<hash>-<suffix>`
 * for a Deployment, `<name>-<ordinal>` for a StatefulSet. A Job's pods (`<job>-<suffix>`) never match a Deployment's
 * two generated parts, and the container label excludes them anyway.
 */
function podNamePattern(w: PolicyContext['workload']): string {
  if (w.controllerKind === 'StatefulSet') return `${w.name}-[0-9]+`;
  // a generateName longer than 58 characters is cut (apiserver's SimpleNameGenerator), hash and all
  return w.name.length <= 46 ? `${w.name}-${SAFE}{1,10}-${SAFE}{5}` : `${w.name.slice(0, 46)}.*`;
}
