import { DeclarationError, DeclarationProblem, pathOf, recordedProblems } from '../internal/errors';
import type { Workload } from '../declaration/workloads/workload';
import type { AppDeclaration } from './app-declaration';
import { dedupe, ordered } from './checks';
import type { Report } from './report';

/**
 * What the resolver's stages share: the declaration, the report they add to, and which workloads are still sound.
 *
 * One report: every stage runs, and the synth stops once, with every problem of the app ordered by construct path. A
 * workload with a problem is left out of the later stages (its values may not be what they expect, and what they
 * would say of it would only repeat the problem); the others go on. Names stay known (`byName` holds every
 * workload), so that depending on a workload that has a problem is not reported again as depending on an undeclared
 * one.
 * @internal
 */
export class Stages {
  public readonly problems: DeclarationProblem[];
  public readonly report: Report;
  /** Names of the workloads left out of the later stages. */
  public readonly broken = new Set<string>();
  /** Every declared workload by name. */
  public readonly byName: Map<string, Workload>;
  private sound: Workload[];

  constructor(public readonly decl: AppDeclaration) {
    this.problems = [...recordedProblems(decl.app)];
    this.report = (scope, message) => this.problems.push({ path: typeof scope === 'string' ? scope : pathOf(scope as any), message });
    this.byName = new Map(decl.workloads.map((w) => [w.name, w]));
    this.sound = decl.workloads;
    this.narrow();
  }

  /** The workloads without a problem so far. */
  public get workloads(): Workload[] {
    return this.sound;
  }

  /** Leaves out the workloads the problems so far name (and those on their image). */
  public narrow(): void {
    const at = new Set(this.problems.map((p) => p.path));
    for (const w of this.decl.workloads) if (!this.broken.has(w.name) && w.node.findAll().some((c) => at.has(pathOf(c)))) this.broken.add(w.name);
    // a workload on the image of one with a problem has no image to resolve
    for (const w of this.decl.workloads) if (w.imageSource?.sameAs !== undefined && this.broken.has(w.imageSource.sameAs)) this.broken.add(w.name);
    this.sound = this.sound.filter((w) => !this.broken.has(w.name));
  }

  /** Whether a problem names one of these constructs. */
  public named(constructs: Array<{ node: { path: string } }>): boolean {
    const at = new Set(this.problems.map((x) => x.path));
    return constructs.some((c) => at.has(pathOf(c as any)));
  }

  /** Throws the report, if there is anything in it. */
  public stopIfProblems(): void {
    if (this.problems.length) throw new DeclarationError(ordered(dedupe(this.problems, (p) => `${p.path}\u0000${p.message}`)));
  }
}
