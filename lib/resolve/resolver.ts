import { selectBase } from './base-selection';
import { DeclarationError, DeclarationProblem, pathOf, show } from '../internal/errors';
import { ImageFlavor } from '../values/image-flavor';
import type { AppDeclaration, AppSettings } from './app-declaration';
import type { Profile } from '../declaration/profile';
import { TargetFiles, renderTargets, targetsByName } from '../targets/registry';
import { EmitFile, contentText } from '../targets/target';
import { Workload } from '../declaration/workloads/workload';
import { MissingPeerError } from '../internal/optional-module';
import { ResolvedBaseImage, ResolvedManifest, ResolvedStack, ResolvedWorkload } from '../model/model';
import type { Report } from './report';
import { checkDerivedNames, checkHostPorts, dedupe, ordered } from './checks';
import { imageName, resolveBaseImage, resolveServiceImage } from './images';
import { resolveWorkload, workloadParts } from './variant';
import { checkDeclarations } from './declaration-checks';
import { Stages } from './stages';

/** The id of NetworkIsolationPolicy, which isolates workloads by the dependency graph. */
const NETWORK_ISOLATION = 'network-isolation';

/**
 * Turns the construct tree into one runtime-neutral model: every cross-construct rule is checked here, every
 * default applied here, so that targets only translate. Target-specific checks run after, in the targets.
 *
 * @throws DeclarationError listing every problem found in the app, each with its construct path
 * @internal
 */
export function resolve(decl: AppDeclaration): ResolvedStack {
  return resolveApp(decl);
}

function resolveApp(decl: AppDeclaration): ResolvedStack {
  const s = new Stages(decl);
  checkDeclarations(s);
  // a profile or base image with a problem leaves every variant meaningless: the report so far is the report
  if (s.named([...decl.profiles, ...decl.baseImages])) s.stopIfProblems();
  s.narrow();
  const isPerProfile = perProfile(s);
  checkDependencyProfiles(s, isPerProfile);
  const { resolvedBases, basesOf } = selectBases(s);
  s.narrow();
  const { base, variants } = resolveVariants(s, isPerProfile, basesOf);
  const serviceImages = s.workloads.filter((w) => w.imageSource?.build && !w.imageSource.sameAs).map((w) => resolveServiceImage(decl.app, w, basesOf.get(w.name)!));
  checkHostPorts([...base, ...variants], s.byName, s.report);
  checkDerivedNames(decl.app, [...base, ...variants], [...resolvedBases.values()], serviceImages, s.byName, s.report);
  const manifests = resolveManifests(decl.app, decl, decl.profiles, s.report);
  // the model is only rendered for the report when something is broken: what depends on it goes on without it
  const without = (ws: ResolvedWorkload[]) => (s.broken.size ? ws.map((x) => ({ ...x, dependsOn: x.dependsOn.filter((d) => !s.broken.has(d.service)) })) : ws);
  const stack: ResolvedStack = {
    name: decl.app.name,
    registry: decl.app.registry,
    namespace: decl.app.namespace,
    outdir: decl.app.outdir,
    profiles: decl.profiles.map((p) => ({ name: p.name, flavor: p.flavor, targets: [...p.targets], isDefault: p.isDefault, dev: p.dev })),
    base: without(base),
    variants: without(variants),
    baseImages: [...resolvedBases.values()],
    serviceImages,
    manifests,
    networkIsolation: decl.policies.some((x) => x.id === NETWORK_ISOLATION),
    monitoring: decl.app.monitoring,
  };
  checkTargets(s, stack);
  s.stopIfProblems();
  return stack;
}

/**
 * Whether a workload has a variant per profile: when anything about it differs by profile, or when it depends on
 * such a workload (Compose's depends_on must name the variant of the same profile).
 */
function perProfile(s: Stages): (w: Workload) => boolean {
  const known = new Map<string, boolean>();
  const isPerProfile = (w: Workload): boolean => {
    if (known.has(w.name)) return known.get(w.name)!;
    known.set(w.name, false);
    const own = !!w.imageSource?.build || w.profiles !== undefined || w.gpu.takesGpus || Object.keys(w.gpuByProfile).length > 0
      || w._overrides.compose.some((o) => o.profile !== undefined);
    const result = own || w.dependencies.some((d) => isPerProfile(s.byName.get(d.name)!));
    known.set(w.name, result);
    return result;
  };
  return isPerProfile;
}

/** A workload runs only in profiles where what it needs runs too. */
function checkDependencyProfiles(s: Stages, isPerProfile: (w: Workload) => boolean): void {
  const profileNames = s.decl.profiles.map((p) => p.name);
  const profilesOf = (w: Workload): string[] => (isPerProfile(w) ? profileNames.filter((p) => !w.profiles || w.profiles.includes(p)) : profileNames);
  for (const w of s.workloads) {
    for (const d of w.dependencies) {
      if (d.optional) continue;
      const target = s.byName.get(d.name)!;
      const missing = profilesOf(w).filter((p) => !profilesOf(target).includes(p));
      if (missing.length) {
        s.report(w, `workload '${w.name}' runs in profile(s) ${show(missing)} where its dependency '${d.name}' (${pathOf(target)}) does not: add them to '${d.name}' profiles, limit '${w.name}' profiles, or declare Dependency.optional('${d.name}')`);
      }
    }
  }
}

/** The base image versions, and per built workload the one it builds on for each flavor its profiles use. */
function selectBases(s: Stages): { resolvedBases: Map<string, ResolvedBaseImage>; basesOf: Map<string, Map<ImageFlavor, ResolvedBaseImage>> } {
  const { app, profiles, baseImages } = s.decl;
  const resolvedBases = new Map<string, ResolvedBaseImage>();
  for (const b of baseImages) resolvedBases.set(b.node.id, resolveBaseImage(app, b, s.report));
  // Each built workload builds on one base version per flavor: its pin, or the newest in its compatible range.
  const basesOf = new Map<string, Map<ImageFlavor, ResolvedBaseImage>>();
  for (const w of s.workloads.filter((x) => x.imageSource?.build && !x.imageSource.sameAs)) {
    const chosen = new Map<ImageFlavor, ResolvedBaseImage>();
    const flavors = new Set(profiles.filter((p) => !w.profiles || w.profiles.includes(p.name)).map((p) => p.flavor));
    for (const f of [...flavors].sort()) {
      const b = w.imageSource!.build!;
      const r = selectBase([...resolvedBases.values()].filter((x) => x.flavor === f), b.base, b.compatible);
      if (typeof r === 'string') s.report(w, `workload '${w.name}' has no ${f} base image: ${r}`);
      else chosen.set(f, r);
    }
    basesOf.set(w.name, chosen);
  }
  return { resolvedBases, basesOf };
}

/** Every sound workload: once when it is the same in every profile, else one variant per profile it runs in. */
function resolveVariants(s: Stages, isPerProfile: (w: Workload) => boolean, basesOf: Map<string, Map<ImageFlavor, ResolvedBaseImage>>): { base: ResolvedWorkload[]; variants: ResolvedWorkload[] } {
  const { app, profiles } = s.decl;
  const baseFor = (w: Workload, flavor: ImageFlavor) => basesOf.get(imageName(w))!.get(flavor)!;
  const keyOf = (name: string, profile: string | undefined) => (profile !== undefined && isPerProfile(s.byName.get(name)!) ? `${name}-${profile}` : name);
  const base: ResolvedWorkload[] = [];
  const variants: ResolvedWorkload[] = [];
  for (const w of s.workloads) {
    // what does not depend on the profile is resolved once, and shared by the workload's variants
    const parts = workloadParts(w, [...s.decl.policies, ...w.policies].some((x) => x.id === NETWORK_ISOLATION), s.report);
    if (!isPerProfile(w)) {
      base.push(resolveWorkload(app, s.decl, w, parts, undefined, undefined, s.byName, keyOf, s.report));
      continue;
    }
    for (const p of profiles) {
      if (w.profiles && !w.profiles.includes(p.name)) continue;
      const bi = w.imageSource?.build ? baseFor(w, p.flavor) : undefined;
      variants.push(resolveWorkload(app, s.decl, w, parts, p, bi, s.byName, keyOf, s.report));
    }
  }
  return { base, variants };
}

/** The targets' own checks, and, when there are problems, a render without writing for what only rendering finds. */
function checkTargets(s: Stages, stack: ResolvedStack): void {
  const profileNames = s.decl.profiles.map((p) => p.name);
  for (const t of targetsByName().values()) {
    const names = t.scope === 'app' ? profileNames : s.decl.profiles.filter((p) => p.targets.includes(t.name)).map((p) => p.name);
    if (t.scope === 'app' || names.length) t.check(stack, names, (p, m) => s.report(p, m));
  }
  if (!s.problems.length) return;
  try {
    // chunks made lazily are read, so that what making them finds is reported too
    renderTargets(stack, (_f, content) => void contentText(content), (p, m) => s.report(p, m));
  } catch (e) {
    // a model with problems may not render; the problems found so far are the report, and a missing validator is one
    if (e instanceof MissingPeerError) s.report(s.decl.app, e.message);
  }
}

/**
 * Renders a resolved stack into `emit`, then throws the problems rendering found, if any (the caller discards what
 * was emitted: nothing is written).
 * @throws DeclarationError listing every problem rendering found
 * @internal
 */
export function renderStack(stack: ResolvedStack, emit: EmitFile, byTarget?: TargetFiles[]): void {
  const problems: DeclarationProblem[] = [];
  try {
    renderTargets(stack, emit, (path, message) => problems.push({ path, message }), byTarget);
  } catch (e) {
    // a validator that is not installed is one problem of the report, not a stack trace
    if (!(e instanceof MissingPeerError)) throw e;
    problems.push({ path: '<root>', message: e.message });
  }
  if (problems.length) throw new DeclarationError(ordered(dedupe(problems, (p) => `${p.path}\u0000${p.message}`)));
}

function resolveManifests(app: AppSettings, decl: AppDeclaration, profiles: Profile[], report: Report): ResolvedManifest[] {
  return decl.manifests.map((m) => {
    const profile = profiles.find((p) => p.name === m.profile);
    if (!profile) report(app, `addManifest names profile ${show(m.profile)}, which is not declared: use one of ${show(profiles.map((p) => p.name))}`);
    else if (!profile.kubernetes) report(app, `addManifest names profile '${m.profile}', which does not render for Kubernetes: add 'kubernetes' to its targets or choose another profile`);
    return { profile: m.profile, path: pathOf(app), object: m.object, unknownKind: m.unknownKind };
  });
}
