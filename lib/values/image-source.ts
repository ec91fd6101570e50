import { IConstruct } from 'constructs';
import { problem, show } from '../internal/errors';
import { BaseCompatibility, BasePin, isRange } from './version-range';
import { assertAbsolutePath, assertLabelValue } from '../internal/names';
import { typeMark } from '../internal/type-mark';

/** A file or folder of the build context copied into the image. */
export interface CopySpec {
  /** Path inside the build context. */
  readonly from: string;
  /** Absolute path in the image. */
  readonly to: string;
}

/** How an image is built on the shared ML base image of each profile (ADR-007). */
export interface MlBuildProps {
  /** The build context, relative to the app's root directory, e.g. `services/sk-regression`. */
  readonly context: string;
  /**
   * The base image version to build on, by torch version, in each flavor.
   * @default - the newest declared base within `compatible`
   */
  readonly base?: BasePin;
  /**
   * The base versions the workload works with: a pin outside them, or no declared base in them, stops the synth.
   * @default - any
   */
  readonly compatible?: BaseCompatibility;
  /**
   * Service-specific pip requirements and their exact versions, installed in a thin layer on the base image.
   * Extras are part of the name: `{ 'uvicorn[standard]': '0.30.6' }`.
   * @default - none
   */
  readonly pipPackages?: Record<string, string>;
  /**
   * Files of the build context copied into the image.
   * @default - [{ from: 'app', to: '/app/app' }]
   */
  readonly copy?: CopySpec[];
  /**
   * A Dockerfile of the workload's own, relative to the build context, used instead of the synthesized one. It must
   * begin with `ARG BASE_IMAGE=...` and `FROM ${BASE_IMAGE}`; the synth checks that.
   * @default - synthesized into dist/docker/images/<name>/Dockerfile
   */
  readonly dockerfile?: string;
  /**
   * The image tag's version part; images are tagged `<version>-<base tag>`, e.g. `0.1.0-2.4-cuda12.4`.
   * @default '0.1.0'
   */
  readonly version?: string;
  /**
   * Extra pip packages of the `dev` build stage.
   * @default - { debugpy: '1.8.5', watchfiles: '0.24.0' }
   */
  readonly devPackages?: Record<string, string>;
}

/**
 * Where a workload's image comes from: a registry reference, or a build on the ML base image of each profile (the
 * profile's flavor, cpu or cuda, picks the base). Any workload kind can take either.
 *
 * @example ImageSource.registry('postgres:16.4-bookworm')
 * @example ImageSource.mlBuild({ context: 'services/sk-regression', pipPackages: { 'scikit-learn': '1.5.2' } })
 */
export class ImageSource {
  /** An image pulled from a registry, with an explicit tag or digest (`latest` and untagged are refused). */
  public static registry(ref: string): ImageSource {
    return new ImageSource(ref, undefined);
  }

  /** An image built from a context on the profile's ML base image. */
  public static mlBuild(props: MlBuildProps): ImageSource {
    return new ImageSource(undefined, { ...props });
  }

  /**
   * The image of another workload of the app, e.g. a training job on its service's image: the same build (or
   * registry reference) in every profile, built once.
   */
  public static of(workload: { readonly name: string; readonly imageSource?: ImageSource }): ImageSource {
    const source = workload?.imageSource;
    return new ImageSource(source?.ref, source?.build, workload?.name);
  }

  /** Whether `x` is an ImageSource (also one made by another copy of the library). */
  public static isImageSource(x: unknown): x is ImageSource {
    return isMarked(x);
  }

  private constructor(
    /** The registry reference, for registry images. */
    public readonly ref: string | undefined,
    /** The build, for ML builds. */
    public readonly build: MlBuildProps | undefined,
    /** The workload whose image this is, for ImageSource.of(). */
    public readonly sameAs?: string,
  ) {
  }
}

const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
// A pip requirement name with optional extras (PEP 508 names, PEP 685 extras) and an exact version (PEP 440 public).
const PIP_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?(\[[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?(,[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)*\])?$/;
const PIP_VERSION = /^([0-9]+!)?[0-9]+(\.[0-9]+)*((a|b|rc)[0-9]+)?(\.post[0-9]+)?(\.dev[0-9]+)?(\+[a-z0-9]+(\.[a-z0-9]+)*)?$/i;
// Paths inside a build context: relative, no '..', and only characters that need no quoting anywhere.
const CONTEXT_PATH = /^[A-Za-z0-9_@+=,.-]+(\/[A-Za-z0-9_@+=,.-]+)*$/;

/**
 * Records a problem unless `image` is a reference with an explicit, non-`latest` tag or a digest.
 * @internal
 */
export function checkImageRef(scope: IConstruct, image: unknown): boolean {
  if (typeof image !== 'string' || !IMAGE.test(image) || image.length > 255) {
    return problem(scope, `image ${show(image)} is not a valid image reference: use '[registry/]name:tag', e.g. 'postgres:16.4-bookworm'`);
  }
  const lastSegment = image.split('/').pop() as string;
  const tag = lastSegment.includes(':') ? lastSegment.split(':')[1].split('@')[0] : undefined;
  if (!image.includes('@sha256:') && (tag === undefined || tag === 'latest')) {
    return problem(scope, `image ${show(image)} has ${tag ? "the 'latest' tag" : 'no tag'}: pin an explicit version tag or digest so every deploy runs the same image`);
  }
  return true;
}

/**
 * Records a problem unless `value` is a clean path inside a build context.
 * @internal
 */
export function checkContextPath(scope: IConstruct, what: string, value: unknown, allowDot = false): boolean {
  if (typeof value === 'string' && ((allowDot && value === '.') || (CONTEXT_PATH.test(value) && !value.split('/').some((s) => s === '.' || s === '..')))) return true;
  return problem(scope, `${what} ${show(value)} is invalid: give a relative path without '.' or '..' segments, using letters, digits and _ @ + = , . - only`);
}

/**
 * Records every reason an ML build cannot be rendered.
 * @internal
 */
export function checkMlBuild(scope: IConstruct, b: MlBuildProps): boolean {
  let ok = checkContextPath(scope, 'build context', b.context);
  for (const [what, pkgs] of [['pip package', b.pipPackages ?? {}], ['dev package', b.devPackages ?? {}]] as const) {
    for (const [name, version] of Object.entries(pkgs)) {
      if (!PIP_NAME.test(name) || typeof version !== 'string' || !PIP_VERSION.test(version)) {
        ok = problem(scope, `${what} pin ${show(`${name}==${version}`)} is invalid: give a package name (extras in brackets) and an exact version, e.g. { 'scikit-learn': '1.5.2' } or { 'uvicorn[standard]': '0.30.6' }`);
      }
    }
  }
  for (const c of b.copy ?? []) {
    ok = checkContextPath(scope, 'copy source', c?.from, true) && ok;
    ok = assertAbsolutePath(scope, 'copy destination', c?.to) && ok;
  }
  if (b.dockerfile !== undefined) ok = checkContextPath(scope, 'dockerfile', b.dockerfile) && ok;
  if (b.base !== undefined && (typeof b.base.torch !== 'string' || !/^\d+\.\d+$/.test(b.base.torch))) ok = problem(scope, `base pin ${show(b.base)} is invalid: give the torch minor version, e.g. { torch: '2.5' }`);
  for (const [what, r] of Object.entries(b.compatible ?? {})) {
    if (r !== undefined && !isRange(r as string)) ok = problem(scope, `compatible ${what} range ${show(r)} is invalid: use comparators such as '>=2.4 <2.6'`);
  }
  if (b.version !== undefined) {
    if (typeof b.version !== 'string' || !/^[\w][\w.-]{0,120}$/.test(b.version)) {
      ok = problem(scope, `version ${show(b.version)} is invalid: use letters, digits, '_', '.' and '-', e.g. '1.0.0-RC1'`);
    } else {
      // the tag is <version>-<base tag>[-dev], and becomes the version label
      ok = assertLabelValue(scope, 'version', `${b.version}-2.5-cuda12.4-dev`) && ok;
    }
  }
  return ok;
}

const isMarked = typeMark(ImageSource, 'ImageSource');
