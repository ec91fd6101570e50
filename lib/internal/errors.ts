import { IConstruct } from 'constructs';
import { typeMark } from './type-mark';

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
 * Thrown when a declaration cannot be rendered correctly, listing every problem found in the app. Nothing has been
 * written when it is thrown.
 */
export class DeclarationError extends Error {
  /** Whether `x` is a DeclarationError, also one thrown by another copy of the library. */
  public static isDeclarationError(x: unknown): x is DeclarationError {
    return isMarked(x);
  }

  /** Every problem found. */
  public readonly problems: DeclarationProblem[];

  constructor(problems: DeclarationProblem[]) {
    super(problems.map((p) => `[${p.path}] ${p.message}`).join('\n'));
    this.name = 'DeclarationError';
    this.problems = problems;
  }
}

const PROBLEMS = Symbol.for('cdk8s-ml.problems');

/**
 * Throws a DeclarationError for one construct.
 * @internal
 */
export function fail(scope: IConstruct | string, message: string): never {
  throw new DeclarationError([{ path: pathOf(scope), message }]);
}

/**
 * Records a problem on a construct without stopping: constructors report through this, and the synth throws one
 * DeclarationError holding every problem of the app (the construct's validations carry them for cdk8s users too).
 * @internal
 */
export function problem(scope: IConstruct, message: string): false {
  let list: DeclarationProblem[] | undefined = (scope as any)[PROBLEMS];
  if (!list) {
    list = [];
    Object.defineProperty(scope, PROBLEMS, { value: list });
    const held = list;
    scope.node.addValidation({ validate: () => held.map((p) => p.message) });
  }
  list.push({ path: pathOf(scope), message });
  return false;
}

/**
 * Problems recorded on `scope` and every construct below it, in tree order.
 * @internal
 */
export function recordedProblems(scope: IConstruct): DeclarationProblem[] {
  return scope.node.findAll().flatMap((c) => ((c as any)[PROBLEMS] as DeclarationProblem[] | undefined) ?? []);
}

/**
 * The construct path shown in errors; the root's empty path reads as its id.
 * @internal
 */
export function pathOf(scope: IConstruct | string): string {
  if (typeof scope === 'string') return scope;
  return scope.node.path || scope.node.id || '<root>';
}

/**
 * Renders a value for an error message the way it was written.
 * @internal
 */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${escapeInvisible(JSON.stringify(value).slice(1, -1))}'`;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value === undefined) return 'undefined';
  try {
    return escapeInvisible(JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

/** JSON leaves some invisible characters as they are; a message shows them as escapes. */
function escapeInvisible(text: string): string {
  return text.replace(/[\u007f-\u009f\u00ad\u2028\u2029\u200b-\u200f\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A construct id that is free under `scope`, or a DeclarationError in the library's format instead of constructs'
 * bare "There is already a Construct with name".
 * @internal
 */
export function freeId(scope: IConstruct, id: string, what: string): string {
  const found: unknown = scope?.node?.tryFindChild(id);
  // constructs keeps children in a plain object, so a member of Object.prototype ('constructor') looks taken
  if (found && !(found as IConstruct).node) {
    fail(scope, `${what} id ${show(id)} is the name of a JavaScript object member, which the constructs library cannot use as a child id: choose another, e.g. ${show(`${id}-1`)}`);
  }
  if (found) fail(scope, `${what} id ${show(id)} is already used under ${show(pathOf(scope))}: give each construct its own id`);
  return id;
}

const isMarked = typeMark(DeclarationError, 'DeclarationError');
