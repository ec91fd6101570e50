import type { Duration } from './cdk8s-values';
import { IConstruct } from 'constructs';
import { EnvValue, checkEnvValue } from './env';
import { problem, show } from '../internal/errors';
import type { WorkloadReference } from './workload-reference';
import { typeMark } from '../internal/type-mark';

/** Where a model version comes from in S3 or MinIO. */
export interface S3ModelSourceProps {
  /** The bucket. */
  readonly bucket: string;
  /** The model's prefix in the bucket; each version is a sub-prefix `<prefix>/<version>/`. */
  readonly prefix: string;
  /**
   * A version to fetch.
   * @default - the newest complete version (a version is complete once its MANIFEST.json exists)
   */
  readonly version?: string;
  /**
   * The S3 endpoint: a workload of the app (e.g. minio, reached by its name and first port, and waited for), or a
   * URL such as `https://s3.eu-west-1.amazonaws.com`.
   */
  readonly endpoint: WorkloadReference | string;
  /** The access key id, as a secret file reference (EnvValue.secretFile). */
  readonly accessKey: EnvValue;
  /** The secret access key, as a secret file reference (EnvValue.secretFile). */
  readonly secretKey: EnvValue;
  /**
   * Whether a bucket with no published version yet lets the workload start (with no model, or one it makes itself).
   * @default false - the fetch fails and the workload does not start
   */
  readonly allowMissing?: boolean;
  /**
   * How long the fetch may take, retries included.
   * @default Duration.minutes(10)
   */
  readonly deadline?: Duration;
}

/** Where every cdk8s-ml base image carries the model fetcher (lib/python/fetch_model.py). */
export const FETCHER_PATH = '/opt/cdk8s-ml/fetch_model.py';

const URL = /^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[A-Za-z0-9._~\/-]*)?$/;
// S3 bucket naming rules (AWS "Bucket naming rules"): 3-63 lower-case letters, digits, dots and hyphens.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KEY_PART = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/;

/**
 * Where an ML workload's model comes from: `none()` (the workload makes or brings its own), or `s3()`, fetched into
 * the model folder before the server starts (a one-shot Compose service, a Kubernetes init container), by the
 * fetcher every cdk8s-ml base image carries.
 */
export class ModelSource {
  /** No fetch: the workload makes or brings its own model. */
  public static none(): ModelSource {
    return new ModelSource(undefined);
  }

  /** A model version in S3 or MinIO. */
  public static s3(props: S3ModelSourceProps): ModelSource {
    return new ModelSource({ ...props });
  }

  /** Whether `x` is a ModelSource (also one made by another copy of the library). */
  public static isModelSource(x: unknown): x is ModelSource {
    return isMarked(x);
  }

  private constructor(
    /** The S3 source, when there is one. */
    public readonly s3?: S3ModelSourceProps,
  ) {
  }
}

/**
 * Records every reason a model source cannot render.
 * @internal
 */
export function checkModelSource(scope: IConstruct, source: unknown): source is ModelSource {
  if (!ModelSource.isModelSource(source)) return problem(scope, `model ${show(source)} is not a ModelSource: use ModelSource.s3({...}) or ModelSource.none()`);
  const s = source.s3;
  if (!s) return true;
  let ok = true;
  if (typeof s.bucket !== 'string' || !BUCKET.test(s.bucket) || s.bucket.includes('..')) ok = problem(scope, `model bucket ${show(s.bucket)} is not an S3 bucket name: use 3 to 63 lower-case letters, digits, '.' and '-'`);
  if (typeof s.prefix !== 'string' || !KEY_PART.test(s.prefix)) ok = problem(scope, `model prefix ${show(s.prefix)} is invalid: use S3 key characters (letters, digits, ! _ . * ' ( ) -) in '/'-separated parts, no leading or trailing '/'`);
  if (s.version !== undefined && (typeof s.version !== 'string' || !/^[A-Za-z0-9!_.*'()-]+$/.test(s.version))) ok = problem(scope, `model version ${show(s.version)} is invalid: use one S3 key part, e.g. '20261128T120000Z'`);
  if (typeof s.endpoint === 'string' ? !URL.test(s.endpoint) : !(s.endpoint && typeof (s.endpoint as any).name === 'string')) {
    ok = problem(scope, `model endpoint ${show(typeof s.endpoint === 'string' ? s.endpoint : String(s.endpoint))} is neither a workload of the app nor an http(s) URL: pass the minio workload, or a URL like 'https://s3.eu-west-1.amazonaws.com'`);
  }
  for (const [what, v] of [['accessKey', s.accessKey], ['secretKey', s.secretKey]] as const) {
    if (!EnvValue.isEnvValue(v) || v.type !== 'secret') ok = problem(scope, `model ${what} ${show(v)} is not a secret file reference: use EnvValue.secretFile('<secret>', '<key>')`);
    else ok = checkEnvValue(scope, `model ${what}`, v) && ok;
  }
  if (s.deadline !== undefined) {
    try {
      const sec = s.deadline.toSeconds();
      if (!Number.isInteger(sec) || sec < 10) ok = problem(scope, `model fetch deadline ${sec}s is invalid: use at least Duration.seconds(10)`);
    } catch {
      ok = problem(scope, `model fetch deadline ${show(s.deadline)} is not a whole number of seconds: use Duration.seconds(n) or Duration.minutes(n)`);
    }
  }
  return ok;
}

const isMarked = typeMark(ModelSource, 'ModelSource');
