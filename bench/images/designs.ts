import * as fs from 'fs';
import * as path from 'path';
import { ImageFlavor } from '../../lib/values/image-flavor';
import { ResolvedBaseImage, ResolvedServiceImage, ResolvedStack } from '../../lib/model/model';
import { renderBaseDockerfile, renderDockerignore, renderServiceDockerfile } from '../../lib/targets/docker/dockerfile';

/*
 * The three designs ADR-007 weighed, for the CPU flavor of one declaration, as bake files under `<root>/designs/`:
 * 1. shared bases: the emitted bake graph (its `cpu` group), unchanged;
 * 2. monolith (the ADR's rejected alternative 1): one image with every ML service's packages and code;
 * 3. self-contained (rejected alternative 3): each service from the upstream Python image with all of its base's
 *    packages and its own, no shared base.
 * Designs 2 and 3 are made here, by the benchmark, from the resolved declaration and the library's own Dockerfile
 * lines, so the three differ in how they are layered and in nothing else.
 */

export type DesignName = 'shared bases' | 'monolith' | 'self-contained';

export interface Design {
  readonly name: DesignName;
  readonly bake: string;
  /** Bake targets, in build order. */
  readonly targets: string[];
  /** Each ML service's image. */
  readonly services: Record<string, string>;
  /** Each ML service's base image, where it has one. */
  readonly bases: Record<string, string | undefined>;
  /** The bake target that builds each ML service. */
  readonly serviceTarget: Record<string, string>;
}

/** What the warm rebuilds change in the declaration. */
export interface Changes {
  /** (b): this service's extra requirements, changed. */
  readonly requirements?: { readonly service: string; readonly packages: Record<string, string> };
  /** (c): one more ML service, a copy of `like` under a new name and context. */
  readonly added?: { readonly like: string; readonly name: string; readonly context: string; readonly packages: Record<string, string> };
}

export function writeDesigns(root: string, stack: ResolvedStack, changes: Changes = {}): Design[] {
  const out = path.join(root, 'designs');
  fs.rmSync(out, { recursive: true, force: true });
  const emitted = JSON.parse(fs.readFileSync(path.join(root, stack.outdir, 'docker/docker-bake.json'), 'utf8'));
  const services: ResolvedServiceImage[] = stack.serviceImages
    .filter((s) => s.variants.some((v) => v.flavor === ImageFlavor.CPU))
    .map((s) => (changes.requirements?.service === s.name ? { ...s, pipPackages: changes.requirements.packages } : s));
  if (changes.added) {
    const like = services.find((s) => s.name === changes.added!.like)!;
    services.push({ ...like, name: changes.added.name, context: changes.added.context, pipPackages: changes.added.packages });
  }
  const cpu = (s: ResolvedServiceImage) => s.variants.find((v) => v.flavor === ImageFlavor.CPU)!;
  const write = (dir: string, file: string, text: string) => {
    fs.mkdirSync(path.join(out, dir), { recursive: true });
    fs.writeFileSync(path.join(out, dir, file), text);
    // every Dockerfile keeps the emitted ignore file beside it, as BuildKit reads it
    if (file === 'Dockerfile') fs.writeFileSync(path.join(out, dir, 'Dockerfile.dockerignore'), renderDockerignore(stack.outdir));
    return path.join(out, dir, file);
  };
  const bakeFile = (dir: string, target: Record<string, any>) => write(dir, 'docker-bake.json', JSON.stringify({ group: { default: { targets: Object.keys(target) } }, target }, null, 2));

  // 1. shared bases: the emitted graph; a changed or added service gets the Dockerfile the library renders for it
  const sharedTargets: Record<string, any> = {};
  for (const t of emitted.group.cpu.targets) sharedTargets[t] = { ...emitted.target[t] };
  for (const s of services) {
    const v = cpu(s);
    const name = `${s.name}-cpu`;
    const t = sharedTargets[name] ?? { ...sharedTargets[`${changes.added?.like}-cpu`], tags: [`${v.ref.replace(/\/[^/:]+:/, `/${s.name}:`)}`] };
    t.context = s.context;
    t.dockerfile = write(`shared/${s.name}`, 'Dockerfile', renderServiceDockerfile(s));
    sharedTargets[name] = t;
  }
  const shared: Design = {
    name: 'shared bases', bake: bakeFile('shared', sharedTargets), targets: Object.keys(sharedTargets),
    services: Object.fromEntries(services.map((s) => [s.name, sharedTargets[`${s.name}-cpu`].tags[0]])),
    bases: Object.fromEntries(services.map((s) => [s.name, cpu(s).base.ref])),
    serviceTarget: Object.fromEntries(services.map((s) => [s.name, `${s.name}-cpu`])),
  };

  // 2. monolith: the first CPU base's torch for everyone, every base's and service's packages, every service's code
  const bases = [...new Map(services.map((s) => [cpu(s).base.key, cpu(s).base])).values()];
  const first = bases[0];
  const union = Object.assign({}, ...bases.map((b) => b.packages), ...services.map((s) => s.pipPackages));
  const mono = [
    ...baseLines({ ...first, packages: union }, 'base'),
    ...services.flatMap((s) => s.copy.map((c) => `COPY --from=${s.name} ${JSON.stringify([c.from, path.posix.join('/srv', s.name, c.to)])}`)),
    `USER ${first.uid}:${first.uid}`, '',
  ];
  const monolith: Design = {
    name: 'monolith',
    bake: bakeFile('monolith', {
      monolith: {
        context: path.join(root, stack.outdir, first.dir), dockerfile: write('monolith', 'Dockerfile', mono.join('\n')),
        contexts: Object.fromEntries([['base', path.join(root, stack.outdir, first.dir)], ...services.map((s) => [s.name, path.join(root, s.context)])]),
        tags: ['bench/monolith:cpu'],
      },
    }),
    targets: ['monolith'],
    services: Object.fromEntries(services.map((s) => [s.name, 'bench/monolith:cpu'])),
    bases: Object.fromEntries(services.map((s) => [s.name, undefined])),
    serviceTarget: Object.fromEntries(services.map((s) => [s.name, 'monolith'])),
  };

  // 3. self-contained: the base's lines and the service's own, in one Dockerfile per service
  const selfTargets: Record<string, any> = {};
  for (const s of services) {
    const b = cpu(s).base;
    const lines = [...baseLines(b, 'base'), ...serviceLines(s), ''];
    selfTargets[`${s.name}-self`] = {
      context: path.join(root, s.context), dockerfile: write(`self-contained/${s.name}`, 'Dockerfile', lines.join('\n')),
      contexts: { base: path.join(root, stack.outdir, b.dir) }, tags: [`bench/${s.name}-self:cpu`],
    };
  }
  const selfContained: Design = {
    name: 'self-contained', bake: bakeFile('self-contained', selfTargets), targets: Object.keys(selfTargets),
    services: Object.fromEntries(services.map((s) => [s.name, `bench/${s.name}-self:cpu`])),
    bases: Object.fromEntries(services.map((s) => [s.name, undefined])),
    serviceTarget: Object.fromEntries(services.map((s) => [s.name, `${s.name}-self`])),
  };
  return [shared, monolith, selfContained];
}

/** A base Dockerfile's lines up to its user switch, its own files taken from the named context `from`. */
function baseLines(b: ResolvedBaseImage, from: string): string[] {
  return renderBaseDockerfile(b).split('\n')
    .filter((l) => l !== '' && !l.startsWith('USER ') && !l.startsWith('WORKDIR '))
    .map((l) => (l.startsWith('COPY [') ? `COPY --from=${from} ${l.slice('COPY '.length)}` : l));
}

/** A service Dockerfile's runtime stage, without its FROM. */
function serviceLines(s: ResolvedServiceImage): string[] {
  const text = renderServiceDockerfile(s);
  const runtime = text.slice(text.indexOf('FROM ${BASE_IMAGE} AS runtime') + 'FROM ${BASE_IMAGE} AS runtime'.length + 1, text.indexOf('FROM runtime AS dev'));
  return runtime.split('\n').filter((l) => l !== '');
}
