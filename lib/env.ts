import { IConstruct } from 'constructs';
import { fail, show } from './errors';
import { assertDnsLabel } from './names';

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

/**
 * The value of an environment variable: a literal, or the path of a mounted secret file.
 *
 * Secrets are handed over as files in both runtimes (Compose `secrets:`, a projected Secret volume in Kubernetes), so
 * the same `*_FILE` variable works in both and no credential is ever written into a manifest.
 */
export class EnvValue {
  /** A literal value. Do not use it for credentials: literals are written into dist/. */
  public static fromValue(value: string): EnvValue {
    return new EnvValue(value, undefined);
  }

  /**
   * The path of a file holding key `key` of secret `secret`, e.g. for `POSTGRES_PASSWORD_FILE`.
   * Kubernetes reads it from Secret `secret`; Compose from `.secrets/<secret>/<key>`, which git ignores.
   */
  public static secretFile(secret: string, key: string): EnvValue {
    return new EnvValue(undefined, { secret, key });
  }

  private constructor(
    /** The literal value, when not a secret. */
    public readonly value: string | undefined,
    /** The secret reference, when a secret file. */
    public readonly secretRef: SecretKeyRef | undefined,
  ) {}

  /** Throws, naming `scope`, unless the reference can be rendered. */
  public validate(scope: IConstruct, name: string): void {
    if (this.secretRef) {
      assertDnsLabel(scope, `secret name of ${name}`, this.secretRef.secret, 253);
      if (!SECRET_KEY.test(this.secretRef.key)) {
        fail(scope, `secret key ${show(this.secretRef.key)} of ${name} is invalid: use letters, digits, '-', '_' and '.'`);
      }
    } else if (typeof this.value !== 'string') {
      fail(scope, `environment variable ${name} has value ${show(this.value)}: use a string, or EnvValue.secretFile() for credentials`);
    }
  }
}

/** The file name a secret key is mounted under, the same in both runtimes. */
export function secretFileName(ref: SecretKeyRef): string {
  return `${ref.secret}-${ref.key.replace(/[._]/g, '-').toLowerCase()}`;
}
