import * as path from 'path';
import { ImageFlavor } from '../../values/image-flavor';
import { ResolvedStack } from '../../model/model';
import { dockerfileIn } from '../dockerfile-path';

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
  /** Image labels. */
  labels?: Record<string, string>;
}

/** @internal A bake group. */
export interface BakeGroup {
  /** Target names in the group. */
  targets: string[];
}

/** @internal A bake file in its JSON form. */
export interface BakeFile {
  /** Groups of targets: `default`, `cpu`, `gpu`, `dev`, and `on-<base>` per base version. */
  group: Record<string, BakeGroup>;
  /** The Dockerfile stage to build. */
  target: Record<string, BakeTarget>;
}

/**
 * One build graph: a target per base image, per service x flavor, and per dev image the dev profiles run. Service
 * targets take their base through `contexts`, keyed by the exact BASE_IMAGE value, so bake builds the base first and
 * never pulls or pushes it.
 * Paths are relative to the app's root directory: run `docker buildx bake -f <outdir>/docker/docker-bake.json` there.
 * @internal
 */
export function renderBake(stack: ResolvedStack): BakeFile {
  const target: Record<string, BakeTarget> = {};
  const groups: Record<string, string[]> = { default: [], cpu: [], gpu: [] };
  // a dev image (flavor undefined) is in `dev`, not in a flavor group: those hold what production runs
  const add = (name: string, flavor: ImageFlavor | undefined, onBase: string, t: BakeTarget) => {
    target[name] = t;
    groups.default.push(name);
    (groups[flavor === undefined ? 'dev' : GROUP[flavor]] ??= []).push(name);
    // a group per base version: what a change of that base rebuilds
    (groups[`on-${onBase}`] ??= []).push(name);
  };
  for (const b of stack.baseImages) {
    add(b.key, b.flavor, b.key, {
      context: path.posix.join(stack.outdir, b.dir), dockerfile: 'Dockerfile', tags: [b.ref],
      labels: ociLabels(b.name, b.tag, `torch ${b.torch} ${b.cuda ? `with CUDA ${b.cuda}` : `(CPU) with Python ${b.python}`}, from ${b.upstream}`, b.upstream),
    });
  }
  for (const s of stack.serviceImages) {
    for (const v of s.variants) {
      add(`${s.name}-${v.flavor}`, v.flavor, v.base.key, {
        context: s.context,
        dockerfile: dockerfileIn(s.context, s.dockerfile),
        target: 'runtime',
        args: { BASE_IMAGE: v.base.ref },
        contexts: { [v.base.ref]: `target:${v.base.key}` },
        tags: [v.ref],
        labels: ociLabels(s.name, v.ref.slice(v.ref.lastIndexOf(':') + 1), `${s.name} on ${v.base.ref}`, v.base.ref),
      });
    }
  }
  // The dev profiles' images: the `dev` stage on the base their profile picks, so bake builds every image Compose runs.
  for (const w of stack.variants) {
    if (w.build?.target !== 'dev' || Object.values(target).some((t) => t.tags.includes(w.image))) continue;
    const base = stack.baseImages.find((b) => b.ref === w.build!.args.BASE_IMAGE)!;
    const s = stack.serviceImages.find((i) => i.context === w.build!.context && i.dockerfile === w.build!.dockerfile)!;
    const name = target[`${s.name}-dev`] ? `${s.name}-${base.flavor}-dev` : `${s.name}-dev`;
    add(name, undefined, base.key, {
      context: s.context,
      dockerfile: dockerfileIn(s.context, s.dockerfile),
      target: 'dev',
      args: { BASE_IMAGE: base.ref },
      contexts: { [base.ref]: `target:${base.key}` },
      tags: [w.image],
      labels: ociLabels(s.name, w.image.slice(w.image.lastIndexOf(':') + 1), `${s.name} (dev stage) on ${base.ref}`, base.ref),
    });
  }
  return { group: Object.fromEntries(Object.entries(groups).map(([g, targets]) => [g, { targets }])), target };
}

/**
 * Image labels from the OCI image annotations (opencontainers/image-spec, annotations.md: title, version,
 * description, base.name); the publish workflow adds source and revision.
 */
function ociLabels(title: string, version: string, description: string, base: string): Record<string, string> {
  return {
    'org.opencontainers.image.title': title,
    'org.opencontainers.image.version': version,
    'org.opencontainers.image.description': description,
    'org.opencontainers.image.base.name': base,
  };
}
