import type { Duration } from './cdk8s-values';
import { IConstruct } from 'constructs';
import { problem, show } from '../internal/errors';
import { assertInteger, assertLabelValue } from '../internal/names';

/** A KEDA trigger on the service's own in-flight requests. */
export interface InFlightTrigger {
  /** The Prometheus metric (a gauge of requests being served) the service exports. */
  readonly metric: string;
  /** The in-flight requests one replica should carry. */
  readonly perReplica: number;
}

/** How a workload scales with load (Kubernetes; Compose runs the minimum). */
export interface AutoscalingOptions {
  /** The least replicas (Compose runs this many). 0 needs `scaleToZero` and GPU (KEDA) scaling. */
  readonly minReplicas: number;
  /** The most replicas. */
  readonly maxReplicas: number;
  /**
   * Target average CPU utilisation, percent of the request (HorizontalPodAutoscaler, in profiles without GPUs).
   * @default 70
   */
  readonly cpuUtilization?: number;
  /**
   * Target average memory utilisation, percent of the request (HorizontalPodAutoscaler).
   * @default - not a target
   */
  readonly memoryUtilization?: number;
  /**
   * Target average GPU utilisation, percent, from NVIDIA's DCGM exporter (KEDA ScaledObject, in GPU profiles).
   * @default 70
   */
  readonly gpuUtilization?: number;
  /**
   * Scale on the service's own in-flight requests (KEDA, in GPU profiles): the Prometheus metric the service
   * exports and the in-flight requests one replica should carry.
   * @default - not a trigger
   */
  readonly inFlightRequests?: InFlightTrigger;
  /**
   * How long after the last scale-up or trigger activity replicas are removed (KEDA cooldownPeriod; HPA
   * scale-down stabilization window).
   * @default Duration.minutes(5)
   */
  readonly cooldown?: Duration;
  /**
   * Whether KEDA may scale to zero replicas when idle (needs minReplicas 0).
   * @default false
   */
  readonly scaleToZero?: boolean;
  /**
   * The Prometheus KEDA queries.
   * @default 'http://prometheus-operated.monitoring.svc:9090' (the Prometheus Operator's service)
   */
  readonly prometheusUrl?: string;
}

/** Where a workload serves Prometheus metrics. */
export interface MetricsOptions {
  /** A container port of the workload. */
  readonly port: number;
  /**
   * The HTTP path.
   * @default '/metrics'
   */
  readonly path?: string;
  /**
   * How often Prometheus scrapes.
   * @default Duration.seconds(30)
   */
  readonly interval?: Duration;
}

/** An endpoint outside the app that a workload may reach under network isolation. */
export interface ExternalEndpoint {
  /** The address range, e.g. `52.95.0.0/16` for an S3 region's range, or `0.0.0.0/0`. */
  readonly cidr: string;
  /** The port. */
  readonly port: number;
  /**
   * The protocol.
   * @default 'TCP'
   */
  readonly protocol?: 'TCP' | 'UDP';
}

/** Who may reach a workload's published ports under network isolation. */
export interface IngressSource {
  /**
   * Pods in namespaces with these labels, e.g. `{ 'kubernetes.io/metadata.name': 'ingress-nginx' }`.
   * @default - any namespace of those selected by the other fields
   */
  readonly namespaceLabels?: Record<string, string>;
  /**
   * Pods with these labels.
   * @default - any pod of the selected namespaces
   */
  readonly podLabels?: Record<string, string>;
  /**
   * An address range instead of pods, e.g. a load balancer's.
   * @default - none
   */
  readonly cidr?: string;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * Whether `cidr` is an IPv4 address range, `a.b.c.d/n`.
 * @internal
 */
export function isIPv4Cidr(cidr: unknown): cidr is string {
  const m = typeof cidr === 'string' ? CIDR.exec(cidr) : null;
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

/** @internal */
export function checkCidr(scope: IConstruct, what: string, cidr: unknown): boolean {
  if (isIPv4Cidr(cidr)) return true;
  return problem(scope, `${what} ${show(cidr)} is not an IPv4 CIDR: use e.g. '10.0.0.0/8' or '0.0.0.0/0'`);
}

/** @internal */
export function checkAutoscaling(scope: IConstruct, a: AutoscalingOptions): boolean {
  let ok = assertInteger(scope, 'autoscaling minReplicas', a.minReplicas, 0, 1000) && assertInteger(scope, 'autoscaling maxReplicas', a.maxReplicas, 1, 1000);
  if (ok && a.maxReplicas < Math.max(1, a.minReplicas)) ok = problem(scope, `autoscaling maxReplicas ${a.maxReplicas} is below minReplicas ${a.minReplicas}: raise maxReplicas`);
  if (a.minReplicas === 0 && !a.scaleToZero) ok = problem(scope, 'autoscaling minReplicas 0 needs scaleToZero: true (KEDA scales to zero; an HPA cannot): set it, or use minReplicas 1');
  if (a.scaleToZero && a.minReplicas !== 0) ok = problem(scope, `autoscaling scaleToZero with minReplicas ${a.minReplicas}: set minReplicas 0`);
  for (const [what, v] of [['cpuUtilization', a.cpuUtilization], ['memoryUtilization', a.memoryUtilization], ['gpuUtilization', a.gpuUtilization]] as const) {
    if (v !== undefined) ok = assertInteger(scope, `autoscaling ${what}`, v, 1, 100) && ok;
  }
  if (a.inFlightRequests) {
    if (!METRIC.test(a.inFlightRequests.metric ?? '')) ok = problem(scope, `autoscaling in-flight metric ${show(a.inFlightRequests.metric)} is not a Prometheus metric name`);
    ok = assertInteger(scope, 'autoscaling in-flight requests per replica', a.inFlightRequests.perReplica, 1, 100000) && ok;
  }
  if (a.prometheusUrl !== undefined && !/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[\w./-]*)?$/.test(a.prometheusUrl)) ok = problem(scope, `autoscaling prometheusUrl ${show(a.prometheusUrl)} is not an http(s) URL`);
  if (a.cooldown !== undefined) {
    try {
      ok = assertInteger(scope, 'autoscaling cooldown (seconds)', a.cooldown.toSeconds(), 0, 86400) && ok;
    } catch {
      ok = problem(scope, 'autoscaling cooldown is not a whole number of seconds: use Duration.seconds(n) or Duration.minutes(n)');
    }
  }
  return ok;
}

/** @internal */
export function checkIngressSource(scope: IConstruct, s: IngressSource): boolean {
  let ok = true;
  if (!s.namespaceLabels && !s.podLabels && !s.cidr) ok = problem(scope, 'ingress source selects nothing: give namespaceLabels, podLabels or cidr');
  if (s.cidr !== undefined) ok = checkCidr(scope, 'ingress source cidr', s.cidr) && ok;
  for (const [k, v] of Object.entries({ ...(s.namespaceLabels ?? {}), ...(s.podLabels ?? {}) })) {
    if (!/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(k)) ok = problem(scope, `ingress source label key ${show(k)} is invalid`);
    ok = assertLabelValue(scope, `ingress source label '${k}'`, v) && ok;
  }
  return ok;
}
