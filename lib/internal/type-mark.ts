/**
 * Marks a class so that its `isX()` check recognizes instances made by another copy of the library (a second
 * install has its own classes, so `instanceof` fails; a `Symbol.for` key is the same in every copy). The mark sits
 * on the prototype: subclasses inherit it, and no instance pays for a property of its own.
 * @returns whether a value carries the mark
 * @internal
 */
export function typeMark(cls: { prototype: object }, name: string): (x: unknown) => boolean {
  const mark = Symbol.for(`cdk8s-ml.${name}`);
  Object.defineProperty(cls.prototype, mark, { value: true });
  return (x) => x !== null && typeof x === 'object' && (x as any)[mark] === true;
}
