/*
 * The Horizontal Pod Autoscaler's replica arithmetic, written from the Kubernetes documentation ("Horizontal Pod
 * Autoscaling", Algorithm details) and KEDA's documentation of the prometheus scaler's `metricType`, independently of
 * the library: the tests feed it what a real Prometheus returns for the emitted queries.
 *
 * - Per metric: desiredReplicas = ceil(currentReplicas * currentMetricValue / desiredMetricValue), skipped (the
 *   current count kept) when the ratio is within the tolerance of 0.1.
 * - External metrics with an `AverageValue` target (KEDA's default metricType): the value is divided by the current
 *   replicas first, so desiredReplicas = ceil(value / target).
 * - `Value` targets use the plain ratio; Resource `Utilization` targets compare the pods' average utilisation.
 * - With several metrics, the largest proposal wins; the result is clamped to [minReplicas, maxReplicas].
 */

export type Target = { readonly type: 'AverageValue' | 'Value'; readonly target: number; readonly value: number }
  | { readonly type: 'Utilization'; readonly target: number; readonly averageUtilization: number };

const TOLERANCE = 0.1;

/** One metric's proposal for `current` replicas. */
export function proposal(current: number, m: Target): number {
  let ratio: number;
  let desired: number;
  switch (m.type) {
    case 'AverageValue':
      ratio = current === 0 ? Infinity : m.value / (m.target * current);
      desired = Math.ceil(m.value / m.target);
      break;
    case 'Value':
      ratio = m.value / m.target;
      desired = Math.ceil(current * ratio);
      break;
    case 'Utilization':
      ratio = m.averageUtilization / m.target;
      desired = Math.ceil(current * ratio);
      break;
  }
  return Math.abs(ratio - 1) <= TOLERANCE ? current : desired;
}

/** The replicas the HPA sets for `current`, from every metric's proposal. */
export function desiredReplicas(current: number, metrics: Target[], min: number, max: number): number {
  const wanted = Math.max(...metrics.map((m) => proposal(current, m)));
  return Math.min(max, Math.max(min, wanted));
}
