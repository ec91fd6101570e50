/*
 * The images of an app: base image versions, the images built on them, and their build contexts.
 */

import * as fs from 'fs';
import * as path from 'path';
import type { BaseImage } from '../declaration/base-image';
import { pathOf, show } from '../internal/errors';
import { ImageFlavor } from '../values/image-flavor';
import type { AppSettings } from './app-declaration';
import { Workload } from '../declaration/workloads/workload';
import { checkServiceDockerfile } from './dockerfile-contract';
import { ResolvedBaseImage, ResolvedServiceImage } from '../model/model';
import type { Report } from './report';

/** What an ML build copies into its image when it does not say. */
export const DEFAULT_COPY: ReadonlyArray<{ readonly from: string; readonly to: string }> = Object.freeze([Object.freeze({ from: 'app', to: '/app/app' })]);

export function resolveBaseImage(app: AppSettings, b: BaseImage, report: Report): ResolvedBaseImage {
  let constraints: string | undefined;
  if (b.constraints !== undefined) {
    const file = path.join(app.rootDir, b.constraints);
    try {
      constraints = fs.readFileSync(file, 'utf8');
      const bad = constraints.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
        .find((l) => !/^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!_-]+$/.test(l));
      if (bad !== undefined) report(b, `constraints ${show(b.constraints)} has the line ${show(bad)}: give one 'name==version' per line (comments start with '#')`);
    } catch {
      report(b, `constraints ${show(b.constraints)} cannot be read under ${app.rootDir}: create it or fix the path`);
    }
  }
  return {
    key: b.node.id, name: b.name, tag: b.tag, torchMinor: b.torchMinor, flavor: b.flavor, ref: app.imageRef(b.name, b.tag), upstream: b.upstream,
    torch: b.torch, torchvision: b.torchvision, python: b.python, cuda: b.cuda, packages: b.packages, uid: b.uid,
    dir: `docker/images/${b.node.id}`, constraints,
  };
}

/** The name an ML build's image and Dockerfile folder go by: its own, or that of the workload it shares it with. */
export function imageName(w: Workload): string {
  return w.imageSource!.sameAs ?? w.name;
}

/** An ML build's image: its version and the tag of the base version it builds on, so a new base is a new tag. */
export function imageRef(app: AppSettings, w: Workload, base: ResolvedBaseImage, dev: boolean): string {
  return app.imageRef(imageName(w), `${w.imageSource!.build!.version ?? '0.1.0'}-${base.tag}${dev ? '-dev' : ''}`);
}

export function dockerfileOf(app: AppSettings, w: Workload): string {
  const b = w.imageSource!.build!;
  // outdir is normalized (no '.', '..' or trailing '/') and an image name is a DNS label: joining changes nothing
  return b.dockerfile ? path.posix.join(b.context, b.dockerfile) : `${app.outdir}/docker/images/${imageName(w)}/Dockerfile`;
}

export function resolveServiceImage(app: AppSettings, w: Workload, bases: Map<ImageFlavor, ResolvedBaseImage>): ResolvedServiceImage {
  const b = w.imageSource!.build!;
  return {
    name: w.name, path: pathOf(w), context: b.context, dockerfile: dockerfileOf(app, w), synthesized: !b.dockerfile,
    pipPackages: { ...(b.pipPackages ?? {}) }, devPackages: { ...(b.devPackages ?? { debugpy: '1.8.5', watchfiles: '0.24.0' }) },
    copy: (b.copy ?? DEFAULT_COPY).map((c) => ({ ...c })),
    contextIgnore: contextIgnore(path.join(app.rootDir, b.context)),
    command: w.command ? [...w.command] : undefined, port: w.ports[0]?.port, uid: w.user,
    defaultBase: (bases.get(ImageFlavor.CPU) ?? bases.values().next().value!).ref,
    variants: [...bases].map(([f, base]) => ({ flavor: f, ref: imageRef(app, w, base, false), base })),
  };
}

/** The patterns of a build context's own `.dockerignore`, without comments and blank lines; none when it has none. */
function contextIgnore(context: string): string[] {
  const file = path.join(context, '.dockerignore');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

/**
 * What a path under a folder is on disk, asked once per path per synth: many workloads share one build context
 * (the joined path is kept too, joining costs more than the lookup).
 */
type PathKind = (...parts: string[]) => 'folder' | 'file' | 'other' | 'missing';

export function pathKinds(): PathKind {
  const seen = new Map<string, ReturnType<PathKind>>();
  return (...parts) => {
    const key = parts.join('\u0000');
    let kind = seen.get(key);
    if (kind === undefined) {
      const st = fs.statSync(path.join(...parts), { throwIfNoEntry: false });
      kind = !st ? 'missing' : st.isDirectory() ? 'folder' : st.isFile() ? 'file' : 'other';
      seen.set(key, kind);
    }
    return kind;
  };
}

export function checkBuildContext(rootDir: string, w: Workload, report: Report, kindOf: PathKind): void {
  const b = w.imageSource!.build!;
  if (kindOf(rootDir, b.context) !== 'folder') {
    report(w, `build context ${show(b.context)} is not a folder under ${rootDir}: create it or fix the path`);
    return;
  }
  if (b.dockerfile) {
    const shown = show(path.posix.join(b.context, b.dockerfile));
    const kind = kindOf(rootDir, b.context, b.dockerfile);
    if (kind === 'missing') {
      report(w, `dockerfile ${shown} does not exist: create it, or drop 'dockerfile' to have one synthesized`);
      return;
    }
    if (kind !== 'file') {
      report(w, `dockerfile ${shown} is not a file: point 'dockerfile' at the Dockerfile itself`);
      return;
    }
    const problem = checkServiceDockerfile(fs.readFileSync(path.join(rootDir, b.context, b.dockerfile), 'utf8'));
    if (problem) report(w, `dockerfile ${shown} ${problem}`);
  }
  for (const c of b.copy ?? DEFAULT_COPY) {
    if (kindOf(rootDir, b.context, c.from) === 'missing') report(w, `copy source ${show(path.posix.join(b.context, c.from))} does not exist: create it or fix 'copy'`);
  }
}
