import { pathOf, show } from '../internal/errors';
import type { Workload } from '../declaration/workloads/workload';
import { targetsByName } from '../targets/registry';
import { checkUnique, findCycle } from './checks';
import { checkBuildContext, pathKinds } from './images';
import type { Stages } from './stages';

/*
 * The first stage across constructs: what the declarations say of each other (names, profiles, targets, dependencies,
 * shared images, base flavors), before anything is resolved.
 */

/**
 * Checks the app's profiles, base images and workloads against each other.
 * @internal
 */
export function checkDeclarations(s: Stages): void {
  const { app, profiles, baseImages } = s.decl;
  const { report } = s;
  const workloads = s.workloads;
  checkUnique(workloads, (w) => w.name, (w, n, first) => report(w, `workload name '${n}' is declared twice (also at ${pathOf(first)}): give each workload its own name`));
  checkUnique(profiles, (p) => p.name, (p, n, first) => report(p, `profile name '${n}' is declared twice (also at ${pathOf(first)}): give each profile its own name`));
  const defaults = profiles.filter((p) => p.isDefault);
  if (defaults.length > 1) report(defaults[1], `profiles ${show(defaults.map((p) => p.name))} are all marked default: Compose runs one default profile, so mark only one`);
  checkUnique(baseImages, (b) => app.imageRef(b.name, b.tag), (b, r, first) => report(b, `base image ${show(r)} is declared twice (also at ${pathOf(first)}): declare each version once`));
  const targets = targetsByName();
  for (const p of profiles) {
    for (const t of p.targets) {
      const target = targets.get(t);
      if (!target || target.scope !== 'profile') report(p, `target ${show(t)} is not a profile target: use ${show([...targets.values()].filter((x) => x.scope === 'profile').map((x) => x.name))}`);
    }
  }
  if (profiles.length === 0) report(app, 'the app declares no profile: keep builtInProfiles, or declare one with new Profile(app, ...)');

  const kindOf = pathKinds();
  for (const w of workloads) checkWorkload(s, w, kindOf);
  const cycle = findCycle(workloads, s.byName);
  if (cycle) report(s.byName.get(cycle[0])!, `dependency cycle ${cycle.join(' -> ')}: Compose cannot order these workloads, so break the cycle`);
  for (const p of profiles) {
    if (!baseImages.some((b) => b.flavor === p.flavor) && workloads.some((w) => w.imageSource?.build)) {
      report(p, `profile '${p.name}' needs a base image of flavor '${p.flavor}' and none is declared: declare new BaseImage(app, ..., { flavor: '${p.flavor}' })`);
    }
  }
}

/** What one workload's declaration says of the others. */
function checkWorkload(s: Stages, w: Workload, kindOf: ReturnType<typeof pathKinds>): void {
  const { app, profiles } = s.decl;
  const { report, byName } = s;
  const profileNames = profiles.map((p) => p.name);
  for (const d of w.dependencies) {
    if (!byName.has(d.name)) report(w, `dependency '${d.name}' is not a declared workload: declare it, or depend on one of ${show([...byName.keys()])}`);
    else if (d.name === w.name) report(w, `workload '${d.name}' depends on itself: remove the dependency`);
  }
  for (const p of [...(w.profiles ?? []), ...Object.keys(w.gpuByProfile)]) {
    if (!profileNames.includes(p)) report(w, `profile '${p}' is not declared: use one of ${show(profileNames)} or declare it with new Profile()`);
  }
  // an override for a profile that does not render its runtime would be dropped without a word
  for (const [runtime, list] of [['Compose', w._overrides.compose], ['Kubernetes', w._overrides.kubernetes]] as const) {
    for (const o of list) {
      const profile = profiles.find((x) => x.name === o.profile);
      if (profile && !(runtime === 'Compose' ? profile.compose : profile.kubernetes)) {
        report(w, `${runtime} override for profile '${profile.name}' would have no effect: that profile does not render ${runtime} (targets ${show(profile.targets)}): name a profile that does, or drop the override`);
      }
    }
  }
  for (const [name, request] of Object.entries(w.gpuByProfile)) {
    const profile = profiles.find((x) => x.name === name);
    if (profile && !profile.takesGpus && request.takesGpus) {
      report(w, `gpuByProfile gives profile '${name}' ${request.count} GPU(s), but that profile runs on the ${profile.flavor} flavor and gives no GPUs, so the request would be dropped: remove the entry, or name a GPU profile (${show(profiles.filter((x) => x.takesGpus).map((x) => x.name))})`);
    }
  }
  const sameAs = w.imageSource?.sameAs;
  if (sameAs !== undefined) {
    const owner = byName.get(sameAs);
    if (!owner) report(w, `ImageSource.of('${sameAs}') names no workload of this app: declare it, or build with ImageSource.mlBuild()`);
    else if (owner.imageSource?.sameAs) report(w, `ImageSource.of('${sameAs}') names a workload that itself uses ImageSource.of('${owner.imageSource.sameAs}'): name '${owner.imageSource.sameAs}' directly`);
    else if (owner.imageSource?.build && owner.profiles && !(w.profiles ?? profileNames).every((p) => owner.profiles!.includes(p))) {
      report(w, `workload '${w.name}' shares the image of '${sameAs}', which is built only for profile(s) ${show(owner.profiles)}: limit '${w.name}' to those profiles`);
    }
  } else if (w.imageSource?.build) {
    checkBuildContext(app.rootDir, w, report, kindOf);
  }
}
