import type { ResolvedStack } from '../resolve/model';

/**
 * Reports a problem found by a target: the construct path, and the message naming the bad value and the fix.
 * @internal
 */
export type ReportProblem = (path: string, message: string) => void;

/**
 * A runtime the model renders to. A target owns its output paths (inside the output folder), its runtime-specific
 * checks, and its rendering; adding one is a folder under lib/targets/ and a line in registry.ts.
 * @internal
 */
export interface Target {
  /** The name profiles list in `targets`. */
  readonly name: string;
  /**
   * 'profile': renders the profiles that list it; 'app': renders once for the whole app (e.g. the image build graph).
   */
  readonly scope: 'profile' | 'app';
  /** Problems that only this runtime has with the model (e.g. MIG without device ids under Compose). */
  check(stack: ResolvedStack, profiles: string[], report: ReportProblem): void;
  /** The files, keyed by path inside the output folder, for the given profiles (all of them for app targets). */
  render(stack: ResolvedStack, profiles: string[]): Map<string, string>;
}
