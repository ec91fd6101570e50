import type { KubernetesPolicy } from '../../../model/policy';

/*
 * The policies this library ships build their objects from checked inputs, and the tests validate what they build,
 * for every combination of their options (each choice, and a boundary value of each number), against the Kubernetes
 * OpenAPI schema and the CRDs, with every pod checked against the restricted profile
 * (test/policy-validation.test.ts, "every option combination"). This is the one place that says so. At
 * synth only the objects and pod-template patches of other policies are validated, so an app that uses only these
 * does not load kubernetes-models (about 120 ms of the repository's synth where that was measured).
 */

const OWN_PROTOTYPES = new Set<object>();
const OWN_OBJECTS = new WeakSet<object>();

/**
 * Marks a policy class of this library as its own.
 * @internal
 */
export function ownPolicyClass(cls: abstract new (...args: any[]) => KubernetesPolicy): void {
  OWN_PROTOTYPES.add(cls.prototype);
}

/**
 * Marks a built-in policy object of this library as its own; returns it.
 * @internal
 */
export function ownPolicyObject<T extends KubernetesPolicy>(policy: T): T {
  OWN_OBJECTS.add(policy);
  return policy;
}

/**
 * Whether `p` is one of this library's policies as shipped: an instance of its class itself (not of a subclass),
 * with neither method replaced on the instance. Anything else is validated.
 * @internal
 */
export function isOwnPolicy(p: KubernetesPolicy): boolean {
  if (OWN_OBJECTS.has(p)) return true;
  const own = (k: string) => Object.prototype.hasOwnProperty.call(p, k);
  return OWN_PROTOTYPES.has(Object.getPrototypeOf(p)) && !own('objects') && !own('podTemplate');
}
