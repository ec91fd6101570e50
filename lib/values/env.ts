import { IConstruct } from 'constructs';
import { problem, show } from '../internal/errors';
import { assertDnsSubdomain, assertPrintable } from '../internal/names';
import { typeMark } from '../internal/type-mark';

/** Where both runtimes mount secret files: Compose's fixed location for `secrets:`, mirrored in Kubernetes. */
export const SECRETS_DIR = '/run/secrets';

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** A reference to one key of a secret; the value itself never passes through cdk8s-ml. */
export interface SecretKeyRef {
  /** The Kubernetes Secret name, also the folder under `.secrets/` that Compose reads. */
  readonly secret: string;
  /** The key inside the secret. */
  readonly key: string;
}

/** Options of a literal value. */
export interface LiteralOptions {
  /**
   * Declares that the literal is not a credential although its variable name looks like one (`*PASSWORD*`,
   * `*SECRET*`, `*TOKEN*`, `*_KEY`). Without it such a literal stops the synth.
   * @default false
   */
  readonly notACredential?: boolean;
}

/**
 * The value of an environment variable: a literal, the path of a mounted secret file, or a template over the
 * workload's other variables.
 *
 * Every character of a literal reaches the process as written in both runtimes: `$` is escaped for Compose
 * interpolation and Kubernetes `$(VAR)` expansion. Secrets are handed over as files in both runtimes (Compose
 * `secrets:`, a projected Secret volume in Kubernetes), so the same `*_FILE` variable works in both and no credential
 * is ever written into a manifest.
 */
export class EnvValue {
  /** A literal value, passed byte for byte. Do not use it for credentials: literals are written into dist/. */
  public static fromValue(value: string, options: LiteralOptions = {}): EnvValue {
    return new EnvValue('literal', value, undefined, options.notACredential ?? false);
  }

  /**
   * The path of a file holding key `key` of secret `secret`, e.g. for `POSTGRES_PASSWORD_FILE`: mounted at
   * `/run/secrets/<secret>/<key>`. Kubernetes reads it from Secret `secret`; Compose from `.secrets/<secret>/<key>`,
   * which git ignores.
   */
  public static secretFile(secret: string, key: string): EnvValue {
    return new EnvValue('secret', undefined, { secret, key }, false);
  }

  /**
   * A value built from the workload's other variables, `${NAME}` standing for the value of NAME. It is expanded at
   * synth time, so both runtimes get the same literal (Compose would read NAME from the host, Kubernetes from the
   * container). Write `$${` for a literal `${`.
   */
  public static expand(template: string): EnvValue {
    return new EnvValue('template', template, undefined, false);
  }

  /** Whether `x` is an EnvValue (also one made by another copy of the library). */
  public static isEnvValue(x: unknown): x is EnvValue {
    return isMarked(x);
  }

  private constructor(
    /** Literal, secret file or template. */
    public readonly type: 'literal' | 'secret' | 'template',
    /** The literal value or the template. */
    public readonly value: string | undefined,
    /** The secret reference, when a secret file. */
    public readonly secretRef: SecretKeyRef | undefined,
    /** Whether a credential-looking name is declared not to hold a credential. */
    public readonly notACredential: boolean,
  ) {
  }
}

// Names that hold a credential by convention; a `*_FILE` variable holds a path, not the credential.
const CREDENTIAL_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|_KEY$|^KEY$|PRIVATE_KEY|API_KEY)/i;

/**
 * Records every reason `value` cannot be the value of variable `name`.
 * @internal
 */
export function checkEnvValue(scope: IConstruct, name: string, value: unknown): value is EnvValue {
  if (!EnvValue.isEnvValue(value)) {
    return problem(scope, `environment variable ${name} has value ${show(value)}: use a string, EnvValue.fromValue() or EnvValue.secretFile() for credentials`);
  }
  if (value.type === 'secret') {
    const ref = value.secretRef!;
    let ok = assertDnsSubdomain(scope, `secret name of ${name}`, ref.secret);
    if (typeof ref.key !== 'string' || !SECRET_KEY.test(ref.key) || ref.key.length > 253 || ref.key === '.' || ref.key.startsWith('..')) {
      ok = problem(scope, `secret key ${show(ref.key)} of ${name} is invalid: use letters, digits, '-', '_' and '.', not '.' or '..' at the start (Kubernetes reserves them)`);
    }
    return ok;
  }
  if (typeof value.value !== 'string') {
    return problem(scope, `environment variable ${name} has value ${show(value.value)}: use a string, or EnvValue.secretFile() for credentials`);
  }
  if (!assertPrintable(scope, `value of environment variable ${name}`, value.value)) return false;
  if (value.type === 'literal' && !value.notACredential && CREDENTIAL_NAME.test(name) && !/_FILE$/.test(name) && value.value !== '') {
    return problem(scope, `environment variable ${name} looks like a credential but has a literal value, which would be written into dist/: use EnvValue.secretFile('<secret>', '<key>') with a ${name}_FILE variable, or EnvValue.fromValue(value, { notACredential: true }) if it is not secret`);
  }
  return true;
}

/**
 * A template with `${NAME}` replaced from `values` and `$$` turned into `$`.
 * @internal
 */
export function expandTemplate(template: string, values: (name: string) => string): string {
  return template.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name) => (m === '$$' ? '$' : values(name)));
}

/**
 * The path a secret key is mounted at, the same in both runtimes: a folder per secret, so two references can never
 * share a file.
 * @internal
 */
export function secretPath(ref: SecretKeyRef): string {
  return `${SECRETS_DIR}/${ref.secret}/${ref.key}`;
}

const isMarked = typeMark(EnvValue, 'EnvValue');
