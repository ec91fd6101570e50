import type { ResolvedStack } from '../model/model';

/**
 * Reports a problem found by a target: the construct path, and the message naming the bad value and the fix.
 * @internal
 */
export type ReportProblem = (path: string, message: string) => void;

/**
 * Receives one output file: its path inside the output folder and its content, whole or as chunks written one after
 * the other. Chunks may be made lazily (a generator): a large file is then never in memory as a whole.
 * @internal
 */
export type EmitFile = (path: string, content: string | Iterable<string>) => void;

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
  /**
   * Emits the files for the given profiles (all of them for app targets), one at a time, so that a file can be
   * written and forgotten before the next is rendered. Problems only rendering finds (an override that makes an
   * object invalid, two objects with one name) go to `report`; the caller writes nothing when there are any.
   */
  render(stack: ResolvedStack, profiles: string[], emit: EmitFile, report: ReportProblem): void;
}

/**
 * A file's content as one string, its chunks read and joined.
 * @internal
 */
export function contentText(content: string | Iterable<string>): string {
  return typeof content === 'string' ? content : [...content].join('');
}

/**
 * One target's files as a map (chunks joined), for checks that read a rendered file and for tests.
 * @internal
 */
export function renderToMap(t: Target, stack: ResolvedStack, profiles: string[], report: ReportProblem = () => undefined): Map<string, string> {
  const files = new Map<string, string>();
  t.render(stack, profiles, (f, content) => files.set(f, contentText(content)), report);
  return files;
}
