import { Construct } from 'constructs';
import { freeId, problem, show } from '../internal/errors';
import { ImageFlavor } from '../values/image-flavor';
import { assertDnsLabel, assertInteger } from '../internal/names';
import { TORCH_RELEASES, supportedCpuPairs, supportedCudaPairs } from '../values/version-matrix';
import { typeMark } from '../internal/type-mark';

/**
 * The shared runtime packages of both base images (ADR-007), pinned so that a rebuild gives the same layers.
 * Versions chosen for torch 2.4/2.5 with Python 3.10–3.12 (numpy 1.26 is the last 1.x, which every listed torch
 * release supports).
 */
export const DEFAULT_SHARED_PACKAGES: Readonly<Record<string, string>> = {
  'numpy': '1.26.4',
  'pillow': '10.4.0',
  'opencv-python-headless': '4.10.0.84',
  'joblib': '1.4.2',
  'minio': '7.2.9',
  // the model fetcher's S3 client (see lib/python/fetch_model.py and the README's departures)
  'boto3': '1.35.0',
};

/** The optional HTTP serving packages (ADR-007 open question 1: services expose REST). */
export const DEFAULT_HTTP_PACKAGES: Readonly<Record<string, string>> = {
  fastapi: '0.115.0',
  uvicorn: '0.30.6',
};

/** Properties of a {@link BaseImage}. */
export interface BaseImageProps {
  /** CPU (python-slim plus PyTorch CPU wheels) or CUDA (pytorch/pytorch runtime). */
  readonly flavor: ImageFlavor;
  /**
   * The image name, without registry or tag.
   * @default - `ml-base-cpu` or `ml-base-cuda`
   */
  readonly name?: string;
  /**
   * The torch minor version, e.g. `2.4`.
   * @default '2.4'
   */
  readonly torch?: string;
  /**
   * The Python minor version of the CPU flavor, e.g. `3.10`. The CUDA flavor runs the Python that pytorch/pytorch ships.
   * @default '3.10'
   */
  readonly python?: string;
  /**
   * The CUDA version of the CUDA flavor, e.g. `12.4`.
   * @default - the newest CUDA the torch release is published for (12.4 for torch 2.4)
   */
  readonly cuda?: string;
  /**
   * Shared runtime packages and their pinned versions.
   * @default DEFAULT_SHARED_PACKAGES
   */
  readonly packages?: Record<string, string>;
  /**
   * Whether FastAPI and uvicorn are included, for services that serve HTTP.
   * @default true
   */
  readonly http?: boolean;
  /**
   * The numeric UID and GID the image runs as.
   * @default 10001
   */
  readonly uid?: number;
  /**
   * A pip constraints file (relative to the app's root directory) that pins the transitive dependencies of this base
   * version: copied into the image and set as PIP_CONSTRAINT, so every layer on it installs within it.
   * @default - none: only the direct installs are pinned
   */
  readonly constraints?: string;
}

const PIN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * A shared ML base image version (`ml-base-cpu` or `ml-base-cuda` at one torch/python/CUDA entry of the matrix): its
 * Dockerfile, its immutable tag, and the build target workloads take it from. Several versions per flavor may be
 * declared (each construct id is its build target and folder); a workload pins one, or gets the newest.
 */
export class BaseImage extends Construct {
  /** Whether `x` is a BaseImage. */
  public static isBaseImage(x: unknown): x is BaseImage {
    return isMarked(x);
  }

  /** CPU or CUDA. */
  public readonly flavor: ImageFlavor;
  /** The name, after defaults. */
  public readonly name: string;
  /** The torch minor version, e.g. `2.4`. */
  public readonly torchMinor: string;
  /** The pinned torch release, e.g. `2.4.1`. */
  public readonly torch: string;
  /** The torchvision release matching torch. */
  public readonly torchvision: string;
  /** The cuDNN major version of the CUDA runtime image. */
  public readonly cudnn: number;
  /** The Python minor version (CPU flavor). */
  public readonly python?: string;
  /** The CUDA version (CUDA flavor). */
  public readonly cuda?: string;
  /** Shared runtime packages and their pins. */
  public readonly packages: Readonly<Record<string, string>>;
  /** Numeric UID and GID the image runs as. */
  public readonly uid: number;
  /** The pip constraints file, relative to the app's root directory, when set. */
  public readonly constraints?: string;

  constructor(scope: Construct, id: string, props: BaseImageProps) {
    super(scope, freeId(scope, id, 'base image'));
    this.flavor = props.flavor;
    this.name = props.name ?? `ml-base-${props.flavor}`;
    this.torchMinor = props.torch ?? '2.4';
    this.uid = props.uid ?? 10001;
    this.constraints = props.constraints;
    if (this.constraints !== undefined && (typeof this.constraints !== 'string' || !/^[A-Za-z0-9_.@+=,-]+(\/[A-Za-z0-9_.@+=,-]+)*$/.test(this.constraints) || this.constraints.split('/').some((s) => s === '..' || s === '.'))) {
      problem(this, `constraints ${show(this.constraints)} is invalid: give a file path relative to the app's root directory, e.g. 'constraints/torch-2.5.txt'`);
    }
    assertDnsLabel(this, 'base image id', id);
    assertDnsLabel(this, 'image name', this.name);
    assertInteger(this, 'image uid', this.uid, 1, 2147483647);

    const release = TORCH_RELEASES[this.torchMinor] ?? TORCH_RELEASES['2.4'];
    const known = this.torchMinor in TORCH_RELEASES;
    if (this.flavor === ImageFlavor.CPU) {
      this.python = props.python ?? '3.10';
      if (!known || !release.python.includes(this.python)) {
        problem(this, `torch ${show(this.torchMinor)} with python ${show(this.python)} is not a supported CPU base: supported are ${supportedCpuPairs().join('; ')}`);
      }
      if (props.cuda !== undefined) problem(this, `cuda ${show(props.cuda)} is set on a CPU base image: drop it, or use ImageFlavor.CUDA`);
    } else if (this.flavor === ImageFlavor.CUDA) {
      this.cuda = props.cuda ?? release.cuda[release.cuda.length - 1];
      if (!known || !release.cuda.includes(this.cuda)) {
        problem(this, `torch ${show(this.torchMinor)} with cuda ${show(this.cuda)} is not a published pytorch/pytorch runtime image: supported are ${supportedCudaPairs().join('; ')}`);
      }
      if (props.python !== undefined) problem(this, `python ${show(props.python)} is set on a CUDA base image, whose Python comes from pytorch/pytorch: drop it`);
    } else {
      problem(this, `image flavor ${show(props.flavor)} is unknown: use ImageFlavor.CPU or ImageFlavor.CUDA`);
    }
    this.torch = release.torch;
    this.torchvision = release.torchvision;
    this.cudnn = release.cudnn;

    const shared = props.packages ?? DEFAULT_SHARED_PACKAGES;
    this.packages = { ...shared, ...((props.http ?? true) ? DEFAULT_HTTP_PACKAGES : {}) };
    for (const [name, version] of Object.entries(this.packages)) {
      if (!PIN.test(name) || !PIN.test(version)) {
        problem(this, `package pin ${show(`${name}==${version}`)} is invalid: give a package name and an exact version, e.g. { numpy: '1.26.4' }`);
      }
    }
  }

  /** The tag without registry, following ADR-007: `ml-base-cpu:2.4-py3.10`, `ml-base-cuda:2.4-cuda12.4`. */
  public get tag(): string {
    return this.flavor === ImageFlavor.CPU ? `${this.torchMinor}-py${this.python}` : `${this.torchMinor}-cuda${this.cuda}`;
  }

  /** The upstream image this base starts from. */
  public get upstream(): string {
    return this.flavor === ImageFlavor.CPU
      ? `python:${this.python}-slim-bookworm`
      : `pytorch/pytorch:${this.torch}-cuda${this.cuda}-cudnn${this.cudnn}-runtime`;
  }
}

const isMarked = typeMark(BaseImage, 'BaseImage');
