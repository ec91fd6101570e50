import { IConstruct } from 'constructs';

/**
 * One problem with a declaration: where it is (the construct path), what was given and what is allowed.
 */
export interface DeclarationProblem {
  /** Construct path of the declaration at fault, e.g. `stack/sk-regression`. */
  readonly path: string;
  /** The message, lower-case, naming the bad value and what is allowed. */
  readonly message: string;
}

/**
 * Thrown when a declaration cannot be rendered correctly. Nothing has been written when it is thrown.
 */
export class DeclarationError extends Error {
  /** Every problem found. */
  public readonly problems: DeclarationProblem[];

  constructor(problems: DeclarationProblem[]) {
    super(problems.map((p) => `[${p.path}] ${p.message}`).join('\n'));
    this.name = 'DeclarationError';
    this.problems = problems;
  }
}

/** Throws a DeclarationError for one construct. */
export function fail(scope: IConstruct | string, message: string): never {
  throw new DeclarationError([{ path: pathOf(scope), message }]);
}

/** The construct path shown in errors; the root's empty path reads as its id. */
export function pathOf(scope: IConstruct | string): string {
  if (typeof scope === 'string') return scope;
  return scope.node.path || scope.node.id || '<root>';
}

/** Renders a value for an error message the way it was written. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value);
}
