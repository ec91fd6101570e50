/**
 * Freezes `v` and everything it holds (an object frozen elsewhere may hold unfrozen ones: every level is visited).
 * Parts shared by many documents or workloads are frozen so that code changing one fails instead of changing all.
 * @internal
 */
export function deepFreeze<T extends object>(v: T): T {
  Object.freeze(v);
  for (const x of Object.values(v)) if (x !== null && typeof x === 'object') deepFreeze(x);
  return v;
}
