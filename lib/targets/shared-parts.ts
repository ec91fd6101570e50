import { sharedPart } from '../internal/yaml-output';

/*
 * Parts of documents that thousands of documents hold the same (a security context, probes, the managed
 * environment), made once and shared: the emitter writes a shared part's text once per indent. A part is made from
 * one input, either a part of the model that the resolver makes one object for all workloads that have it equal, or
 * a string of the values it is made from.
 */

/**
 * `make`, made once per input object, its result marked as shared (deep-frozen). Only a frozen input (the resolver
 * freezes what it shares) is made once: one that could still change is made afresh each time.
 * @internal
 */
export function sharedBy<K extends object, T extends object>(make: (input: K) => T): (input: K) => T {
  const made = new WeakMap<K, T>();
  return (input) => {
    if (!Object.isFrozen(input)) return sharedPart(make(input));
    let part = made.get(input);
    if (part === undefined) made.set(input, part = sharedPart(make(input)));
    return part;
  };
}

/**
 * `make`, made once per key (a string of the values it is made from, given by `key`), its result marked as shared.
 * Bounded, so that the parts of a large app with many distinct values do not all stay in memory.
 * @internal
 */
export function sharedByKey<A extends unknown[], T extends object>(key: (...args: A) => string, make: (...args: A) => T): (...args: A) => T {
  const made = new Map<string, T>();
  return (...args) => {
    const k = key(...args);
    let part = made.get(k);
    if (part === undefined) {
      if (made.size > 10_000) made.clear();
      made.set(k, part = sharedPart(make(...args)));
    }
    return part;
  };
}
