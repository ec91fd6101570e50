import type { ResolvedStack } from '../model/model';
import { composeTarget } from './compose';
import { dockerTarget } from './docker';
import { kubernetesTarget } from './kubernetes';
import { EmitFile, ReportProblem, Target } from './target';

/** Every target, by name; a new target is one folder and one entry here. */
const TARGETS: readonly Target[] = [composeTarget, kubernetesTarget, dockerTarget];

/**
 * The registered targets by name.
 * @internal
 */
export function targetsByName(): Map<string, Target> {
  return new Map(TARGETS.map((t) => [t.name, t]));
}

/** The profiles a target renders: every profile for app targets, those that list it for profile targets. */
export function profilesOf(stack: ResolvedStack, t: Target): string[] {
  return t.scope === 'app' ? stack.profiles.map((p) => p.name) : stack.profiles.filter((p) => p.targets.includes(t.name)).map((p) => p.name);
}

/**
 * Renders every target into `emit`: app targets once, profile targets for the profiles that list them. Two targets
 * emitting one path is a bug, not a user error.
 * @internal
 */
export function renderTargets(stack: ResolvedStack, emit: EmitFile, report: ReportProblem, byTarget?: TargetFiles[]): void {
  const seen = new Set<string>();
  for (const t of TARGETS) {
    const profiles = profilesOf(stack, t);
    if (t.scope !== 'app' && !profiles.length) continue;
    const files: string[] = [];
    byTarget?.push({ target: t.name, scope: t.scope, profiles, files });
    t.render(stack, profiles, (f, content) => {
      if (seen.has(f)) throw new Error(`two targets wrote ${f}`);
      seen.add(f);
      files.push(f);
      emit(f, content);
    }, report);
  }
}

/**
 * The files one target emitted, and for which profiles.
 * @internal
 */
export interface TargetFiles {
  readonly target: string;
  readonly scope: 'app' | 'profile';
  readonly profiles: string[];
  readonly files: string[];
}
