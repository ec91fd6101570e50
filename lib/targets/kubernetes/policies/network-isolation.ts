import { isLabelKey, isLabelValue } from '../../../internal/names';
import { ownPolicyClass } from './own-policies';
import { KubernetesPolicy, PolicyContext, PolicyWorkload, policyMetadata } from '../../../model/policy';

/** Properties of a {@link NetworkIsolationPolicy}. */
export interface NetworkIsolationPolicyProps {
  /**
   * Labels of the namespace Prometheus runs in, allowed to scrape metrics ports.
   * @default { 'kubernetes.io/metadata.name': 'monitoring' }
   */
  readonly monitoringNamespaceLabels?: Record<string, string>;
}

/**
 * Isolates every workload by the dependency graph: one NetworkPolicy per workload that denies everything else.
 * Ingress is allowed from the workloads that depend on it (on its ports), from its declared `ingressFrom` sources
 * (on its published ports) and from Prometheus (on its metrics port); egress to DNS, to its dependencies (on their
 * ports) and to its declared `egress` endpoints. Registered on the app, it also isolates Compose by a network per
 * workload (see the README); what Compose cannot express is reported by the parity check.
 */
export class NetworkIsolationPolicy implements KubernetesPolicy {
  /** The policy's name in messages. */
  public readonly id = 'network-isolation';

  constructor(private readonly props: NetworkIsolationPolicyProps = {}) {
    // its objects are not validated at synth (see own-policies.ts): what it is given is checked here
    for (const [k, v] of Object.entries(props.monitoringNamespaceLabels ?? {})) {
      if (!isLabelKey(k)) throw new RangeError(`monitoringNamespaceLabels key '${k}' is not a Kubernetes label key: use '[prefix/]name', e.g. 'kubernetes.io/metadata.name'`);
      if (!isLabelValue(v)) throw new RangeError(`monitoringNamespaceLabels value ${JSON.stringify(v)} of '${k}' is not a Kubernetes label value: at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit`);
    }
  }

  /** The NetworkPolicy of one workload. */
  public objects(ctx: PolicyContext): Array<Record<string, unknown>> {
    const w = ctx.workload;
    const byName = new Map(ctx.workloads.map((x) => [x.name, x]));
    const clients = ctx.workloads.filter((x) => x.dependsOn.includes(w.name));
    const tcp = (ports: readonly { port: number }[]) => ports.map((p) => ({ port: p.port, protocol: 'TCP' }));
    const ports = w.ports.filter((p) => p.name !== 'debug');
    const ingress: Array<Record<string, unknown>> = [];
    if (clients.length && ports.length) ingress.push({ from: clients.map((c) => ({ podSelector: { matchLabels: { ...c.selector } } })), ports: tcp(ports) });
    const published = ports.filter((p) => p.published);
    if (published.length && w.ingressFrom.length) {
      ingress.push({
        from: w.ingressFrom.map((s) => (s.cidr
          ? { ipBlock: { cidr: s.cidr } }
          : { ...(s.namespaceLabels ? { namespaceSelector: { matchLabels: { ...s.namespaceLabels } } } : {}), ...(s.podLabels ? { podSelector: { matchLabels: { ...s.podLabels } } } : {}) })),
        ports: tcp(published),
      });
    }
    if (w.metrics) {
      ingress.push({
        from: [{ namespaceSelector: { matchLabels: { ...(this.props.monitoringNamespaceLabels ?? { 'kubernetes.io/metadata.name': 'monitoring' }) } } }],
        ports: [{ port: w.metrics.port, protocol: 'TCP' }],
      });
    }
    const deps = w.dependsOn.map((d) => byName.get(d)).filter((d): d is PolicyWorkload => d !== undefined);
    const egress: Array<Record<string, unknown>> = [
      // DNS: the cluster resolver (CoreDNS keeps the kube-dns label for compatibility)
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
      },
      ...deps.filter((d) => d.ports.length).map((d) => ({ to: [{ podSelector: { matchLabels: { ...d.selector } } }], ports: tcp(d.ports.filter((p) => p.name !== 'debug')) })),
      ...w.egress.map((e) => ({ to: [{ ipBlock: { cidr: e.cidr } }], ports: [{ port: e.port, protocol: e.protocol }] })),
    ];
    return [{
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: policyMetadata(ctx),
      // An empty `ingress` is left out: the API server drops an empty list, so writing it would change the object on
      // every apply (listing 'Ingress' in policyTypes denies all ingress without it).
      spec: { podSelector: { matchLabels: { ...w.selector } }, policyTypes: ['Ingress', 'Egress'], ...(ingress.length ? { ingress } : {}), egress },
    }];
  }
}

ownPolicyClass(NetworkIsolationPolicy);
