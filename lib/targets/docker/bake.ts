import * as path from 'path';
import { ImageFlavor } from '../../image-flavor';
import { ResolvedStack } from '../../resolve/model';

/** @internal Where the bake file lives inside the output folder. */
export const BAKE_FILE = 'docker/docker-bake.json';

/** The bake group of each flavor. */
const GROUP: Record<ImageFlavor, string> = { [ImageFlavor.CPU]: 'cpu', [ImageFlavor.CUDA]: 'gpu' };

/**
 * A bake target (docs.docker.com/build/bake/reference).
 * @internal
 */
export interface BakeTarget {
  /** The build context. */
  context: string;
  /** The service's own Dockerfile, relative to the context; undefined when synthesized. */
  dockerfile: string;
  /** The Dockerfile stage to build. */
  target?: string;
  /** Build arguments. */
  args?: Record<string, string>;
  /** Named contexts, e.g. a base image taken from another target. */
  contexts?: Record<string, string>;
  /** Image references to tag the result with. */
  tags: string[];
}

/** @internal A bake group. */
export interface BakeGroup {
  /** Target names in the group. */
  targets: string[];
}

/** @internal A bake file in its JSON form. */
export interface BakeFile {
  /** Groups of targets; `default`, `cpu` and `gpu`. */
  group: Record<string, BakeGroup>;
  /** The Dockerfile stage to build. */
  target: Record<string, BakeTarget>;
}

/**
 * One build graph: a target per base image and per service x flavor. Service targets take their base through
 * `contexts`, keyed by the exact BASE_IMAGE value, so bake builds the base first and never pulls or pushes it.
 * Paths are relative to the app's root directory: run `docker buildx bake -f <outdir>/docker/docker-bake.json` there.
 * @internal
 */
export function renderBake(stack: ResolvedStack): BakeFile {
  const target: Record<string, BakeTarget> = {};
  const groups: Record<string, string[]> = { default: [], cpu: [], gpu: [] };
  const add = (name: string, flavor: ImageFlavor, t: BakeTarget) => {
    target[name] = t;
    groups.default.push(name);
    groups[GROUP[flavor]].push(name);
  };
  for (const b of stack.baseImages) {
    add(b.name, b.flavor, { context: path.posix.join(stack.outdir, b.dir), dockerfile: 'Dockerfile', tags: [b.ref] });
  }
  for (const s of stack.serviceImages) {
    for (const v of s.variants) {
      add(`${s.name}-${v.flavor}`, v.flavor, {
        context: s.context,
        dockerfile: path.posix.relative(s.context, s.dockerfile),
        target: 'runtime',
        args: { BASE_IMAGE: v.base.ref },
        contexts: { [v.base.ref]: `target:${v.base.name}` },
        tags: [v.ref],
      });
    }
  }
  return { group: Object.fromEntries(Object.entries(groups).map(([g, targets]) => [g, { targets }])), target };
}
