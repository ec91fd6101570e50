import { composeTarget } from './compose';
import { dockerTarget } from './docker';
import { kubernetesTarget } from './kubernetes';
import { Target } from './target';

/** Every target, by name; a new target is one folder and one entry here. */
const TARGETS: readonly Target[] = [composeTarget, kubernetesTarget, dockerTarget];

/**
 * The registered targets by name.
 * @internal
 */
export function targetsByName(): Map<string, Target> {
  return new Map(TARGETS.map((t) => [t.name, t]));
}

/**
 * Renders every target: app targets once, profile targets for the profiles that list them. Sorted by path, so the
 * output never depends on the order of targets; two targets writing one path is a bug, not a user error.
 * @internal
 */
export function renderTargets(stack: import('../resolve/model').ResolvedStack): Map<string, string> {
  const all = new Map<string, string>();
  for (const t of TARGETS) {
    const profiles = t.scope === 'app' ? stack.profiles.map((p) => p.name) : stack.profiles.filter((p) => p.targets.includes(t.name)).map((p) => p.name);
    if (t.scope === 'profile' && !profiles.length) continue;
    for (const [f, content] of t.render(stack, profiles)) {
      if (all.has(f)) throw new Error(`two targets wrote ${f}`);
      all.set(f, content);
    }
  }
  return new Map([...all].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
