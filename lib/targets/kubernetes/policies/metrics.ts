import type { ServiceMonitor } from '../../../../imports/monitoring.coreos.com';
import { ownPolicyObject } from './own-policies';
import { KubernetesPolicy, PolicyContext, policyMetadata } from '../../../model/policy';

/**
 * Metrics of workloads that declare `metrics` (built in, always applied): a Prometheus Operator `ServiceMonitor`
 * (monitoring.coreos.com/v1) selecting the workload's Service and its metrics port, or, with
 * `monitoring: 'annotations'`, the `prometheus.io/scrape|port|path` annotations on the pod template that a
 * Prometheus without the operator discovers.
 * @internal
 */
export const metricsPolicy: KubernetesPolicy = ownPolicyObject({
  id: 'metrics',
  objects(ctx: PolicyContext): Array<Record<string, unknown>> {
    const m = ctx.workload.metrics;
    if (!m || ctx.monitoring !== 'service-monitor' || ctx.workload.kind === 'job') return [];
    const monitor: ServiceMonitor = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: policyMetadata(ctx) as ServiceMonitor['metadata'],
      spec: {
        selector: { matchLabels: { ...ctx.workload.selector } },
        // no namespaceSelector: a monitor selects Services of its own namespace, which then follows an overlay's
        endpoints: [{ port: m.portName, path: m.path, interval: `${m.intervalSeconds}s`, scheme: 'http' }],
      },
    };
    return [monitor as unknown as Record<string, unknown>];
  },
  podTemplate(ctx: PolicyContext): Record<string, unknown> | undefined {
    const m = ctx.workload.metrics;
    if (!m || ctx.monitoring !== 'annotations') return undefined;
    return { metadata: { annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(m.port), 'prometheus.io/path': m.path } } };
  },
});
