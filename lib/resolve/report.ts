/**
 * How the resolver's stages record a problem: on a construct (its path), or on a path.
 * @internal
 */
export type Report = (scope: { node: { path: string } } | string, message: string) => void;
