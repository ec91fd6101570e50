/*
 * An evaluator of Kubernetes NetworkPolicy semantics, written from the Kubernetes documentation ("Network Policies")
 * and the networking.k8s.io/v1 API reference, independently of the library's renderer:
 *
 * - A pod is isolated for ingress (egress) when any policy in its namespace selects it and lists Ingress (Egress) in
 *   policyTypes; policyTypes defaults to Ingress, plus Egress when the policy has an egress section.
 * - An isolated pod accepts a connection that any rule of any policy selecting it allows (policies are additive).
 * - A connection needs both ends: the source's egress and the destination's ingress must allow it.
 * - A peer with podSelector only selects pods of the policy's namespace; namespaceSelector only, every pod of the
 *   matching namespaces; both, the matching pods of the matching namespaces; ipBlock, addresses in the CIDR except the
 *   `except` ranges (here: addresses outside the cluster; what ipBlock does to pod IPs is left to the implementation).
 * - A rule without `from`/`to` allows every peer, without `ports` every port; a port is a number or a named port of
 *   the destination's container, with protocol TCP by default and an optional endPort.
 * - An empty selector `{}` selects everything; matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist) are
 *   ANDed.
 */

export interface Endpoint {
  /** A pod: its name, namespace, labels and named container ports. */
  readonly pod?: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string>; readonly ports: ReadonlyArray<{ name?: string; port: number; protocol: string }> };
  /** An address outside the cluster. */
  readonly ip?: string;
}

export interface Namespace {
  readonly name: string;
  readonly labels: Record<string, string>;
}

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };

export function selects(sel: Selector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In': if (!has || !(e.values ?? []).includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && (e.values ?? []).includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: throw new Error(`unknown selector operator ${e.operator}`);
    }
  }
  return true;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((a, o) => (a * 256) + Number(o), 0);
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const n = Number(bits);
  const mask = n === 0 ? 0 : (2 ** 32) - (2 ** (32 - n));
  return (ipToInt(ip) & mask) >>> 0 === (ipToInt(base) & mask) >>> 0;
}

/** Whether `peer` (a NetworkPolicyPeer of a policy in `policyNamespace`) matches endpoint `e`. */
function peerMatches(peer: any, policyNamespace: string, e: Endpoint, namespaces: Map<string, Namespace>): boolean {
  if (peer.ipBlock) {
    if (!e.ip) return false;
    return inCidr(e.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((x: string) => inCidr(e.ip!, x));
  }
  if (!e.pod) return false;
  const nsOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, namespaces.get(e.pod.namespace)?.labels ?? {})
    : e.pod.namespace === policyNamespace;
  return nsOk && (peer.podSelector ? selects(peer.podSelector, e.pod.labels) : true);
}

/** Whether a rule's ports allow `port`/`protocol` on destination `dest`. */
function portMatches(ports: any[] | undefined, port: number, protocol: string, dest: Endpoint): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    const number = typeof p.port === 'number' ? p.port : dest.pod?.ports.find((c) => c.name === p.port && c.protocol === protocol)?.port;
    if (number === undefined) return false;
    return p.endPort !== undefined ? port >= number && port <= p.endPort : port === number;
  });
}

function types(policy: any): string[] {
  return policy.spec.policyTypes ?? ['Ingress', ...(policy.spec.egress ? ['Egress'] : [])];
}

/** Whether `from` may open a connection to `to` on `port`/`protocol` under `policies`. */
export function allowed(policies: any[], namespaces: Map<string, Namespace>, from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): boolean {
  const selecting = (e: Endpoint, type: string) => (e.pod
    ? policies.filter((p) => (p.metadata.namespace ?? 'default') === e.pod!.namespace && selects(p.spec.podSelector, e.pod!.labels) && types(p).includes(type))
    : []);
  const egress = selecting(from, 'Egress');
  if (egress.length && !egress.some((p) => (p.spec.egress ?? []).some((r: any) =>
    (!r.to || r.to.length === 0 || r.to.some((peer: any) => peerMatches(peer, p.metadata.namespace ?? 'default', to, namespaces))) && portMatches(r.ports, port, protocol, to)))) {
    return false;
  }
  const ingress = selecting(to, 'Ingress');
  if (ingress.length && !ingress.some((p) => (p.spec.ingress ?? []).some((r: any) =>
    (!r.from || r.from.length === 0 || r.from.some((peer: any) => peerMatches(peer, p.metadata.namespace ?? 'default', from, namespaces))) && portMatches(r.ports, port, protocol, to)))) {
    return false;
  }
  return true;
}
