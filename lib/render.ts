import { renderCompose } from './compose/compose-renderer';
import { BAKE_FILE, renderBake } from './docker/bake-renderer';
import { renderBaseDockerfile, renderServiceDockerfile } from './docker/dockerfile-renderer';
import { renderKubernetes } from './k8s/k8s-renderer';
import { ResolvedStack } from './resolve/model';

/** A renderer turns the resolved stack into files, keyed by path inside the output folder. */
export type Renderer = (stack: ResolvedStack) => Map<string, string>;

/** Dockerfiles of the base images and of the services that do not bring their own, and the bake file. */
export function renderDocker(stack: ResolvedStack): Map<string, string> {
  const files = new Map<string, string>();
  const inOut = (p: string) => p.slice(stack.outdir.length + 1);
  for (const b of stack.baseImages) files.set(inOut(`${b.dir}/Dockerfile`), renderBaseDockerfile(b));
  for (const s of stack.serviceImages.filter((i) => i.synthesized)) files.set(inOut(s.dockerfile), renderServiceDockerfile(s));
  files.set(BAKE_FILE, `${JSON.stringify(renderBake(stack), null, 2)}\n`);
  return files;
}

/** Every target's renderer; a new target is one more entry. */
export const RENDERERS: readonly Renderer[] = [renderCompose, renderKubernetes, renderDocker];

/** Runs every renderer; the result is sorted by path so output order never depends on declaration order of targets. */
export function render(stack: ResolvedStack): Map<string, string> {
  const all = new Map<string, string>();
  for (const r of RENDERERS) {
    for (const [f, content] of r(stack)) {
      if (all.has(f)) throw new Error(`two renderers wrote ${f}`);
      all.set(f, content);
    }
  }
  return new Map([...all].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
