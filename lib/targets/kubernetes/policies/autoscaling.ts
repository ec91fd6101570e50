import type { ScaledObject } from '../../../../imports/keda.sh';
import { ownPolicyObject } from './own-policies';
import { KubernetesPolicy, PolicyContext, policyMetadata } from './policy';

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
    // DCGM attributes GPU metrics to pods (pod, namespace labels) when run with Kubernetes mapping, as the GPU
    // Operator does; the pods of a Deployment are named <deployment>-<hash>-<id>.
    const pods = `pod=~"${w.name}-[a-z0-9]+-[a-z0-9]+"${ctx.namespace ? `,namespace="${ctx.namespace}"` : ''}`;
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
        triggers: [
          {
            type: 'prometheus',
            name: 'gpu-utilization',
            metadata: { serverAddress: a.prometheusUrl, query: `avg(${DCGM_GPU_UTIL}{${pods}})`, threshold: String(a.gpuUtilization) },
          },
          ...(a.inFlightRequests ? [{
            type: 'prometheus',
            name: 'in-flight-requests',
            metadata: { serverAddress: a.prometheusUrl, query: `sum(${a.inFlightRequests.metric}{${pods}})`, threshold: String(a.inFlightRequests.perReplica) },
          }] : []),
        ],
      },
    };
    return [scaled as unknown as Record<string, unknown>];
  },
});
