import { IConstruct } from 'constructs';
import { problem, show } from '../internal/errors';
import { assertInteger } from '../internal/names';
import { typeMark } from '../internal/type-mark';

/** How a GPU request is satisfied by the NVIDIA device plugin. */
export enum GpuKind {
  /** No GPU: the workload runs on CPU in every profile, GPU profiles included. */
  NONE = 'none',
  /** Whole physical GPUs (`nvidia.com/gpu`). */
  WHOLE = 'whole',
  /** Multi-Instance GPU slices (`nvidia.com/mig-<g>g.<mem>gb`, MIG "mixed" strategy). */
  MIG = 'mig',
  /** Time-sliced replicas of a shared GPU (a renamed resource such as `nvidia.com/gpu.shared`). */
  SHARED = 'shared',
}

/** Options for a MIG request. */
export interface MigOptions {
  /**
   * MIG device UUIDs (`MIG-…`) to hand to Compose, which cannot select a MIG slice by profile.
   * @default - none: the request renders for Kubernetes only, and a Compose profile fails the synth
   */
  readonly deviceIds?: string[];
}

/** Options for a time-sliced request. */
export interface SharedGpuOptions {
  /**
   * The extended resource the device plugin advertises for time-sliced replicas (its `renameByDefault` / `rename`).
   * It cannot be `nvidia.com/gpu`, which Kubernetes counts as whole GPUs.
   * @default 'nvidia.com/gpu.shared'
   */
  readonly resourceName?: string;
}

/**
 * MIG profiles the device plugin's mixed strategy advertises (`nvidia.com/mig-<profile>`), per GPU model.
 * Source: NVIDIA Multi-Instance GPU User Guide, "Supported MIG Profiles" (A30, A100 40GB/80GB, H100 80GB/94GB, H200).
 */
export const MIG_PROFILES: readonly string[] = [
  // A30 24GB
  '1g.6gb', '1g.6gb+me', '2g.12gb', '2g.12gb+me', '4g.24gb',
  // A100 40GB
  '1g.5gb', '1g.5gb+me', '1g.10gb', '2g.10gb', '3g.20gb', '4g.20gb', '7g.40gb',
  // A100 80GB, H100 80GB
  '1g.10gb+me', '1g.20gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb',
  // H100 94GB
  '1g.12gb', '1g.12gb+me', '1g.24gb', '2g.24gb', '3g.47gb', '4g.47gb', '7g.94gb',
  // H200 141GB
  '1g.18gb', '1g.18gb+me', '1g.35gb', '2g.35gb', '3g.71gb', '4g.71gb', '7g.141gb',
];

// A MIG device UUID as nvidia-smi -L prints it: `MIG-<uuid>` (R470+) or the older `MIG-GPU-<uuid>/<gi>/<ci>`.
const MIG_DEVICE_ID = /^MIG-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/[0-9]+\/[0-9]+)$/;
const RESOURCE_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * What a workload takes in a GPU profile: nothing, whole GPUs, MIG slices or time-sliced shares.
 *
 * @example GpuRequest.whole(2)
 * @example GpuRequest.none()
 * @example GpuRequest.mig('1g.5gb')
 * @example GpuRequest.shared(1, { resourceName: 'nvidia.com/gpu.shared' })
 */
export class GpuRequest {
  /** No GPU in any profile: a CPU-only workload, which GPU profiles run without GPUs, toleration or GPU affinity. */
  public static none(): GpuRequest {
    return new GpuRequest(GpuKind.NONE, 0, '');
  }

  /** `count` whole GPUs. */
  public static whole(count = 1): GpuRequest {
    return new GpuRequest(GpuKind.WHOLE, count, 'nvidia.com/gpu');
  }

  /** `count` MIG slices of one profile, e.g. `1g.5gb`. */
  public static mig(profile: string, count = 1, options: MigOptions = {}): GpuRequest {
    return new GpuRequest(GpuKind.MIG, count, `nvidia.com/mig-${profile}`, profile, options.deviceIds ? [...options.deviceIds] : undefined);
  }

  /** `count` time-sliced replicas of a shared GPU. */
  public static shared(count = 1, options: SharedGpuOptions = {}): GpuRequest {
    return new GpuRequest(GpuKind.SHARED, count, options.resourceName ?? 'nvidia.com/gpu.shared');
  }

  /** Whether `x` is a GpuRequest (also one made by another copy of the library). */
  public static isGpuRequest(x: unknown): x is GpuRequest {
    return isMarked(x);
  }

  private constructor(
    /** Which kind of request this is. */
    public readonly kind: GpuKind,
    /** How many units of `resourceName` the container takes; 0 for none. */
    public readonly count: number,
    /** The Kubernetes extended resource name; empty for none. */
    public readonly resourceName: string,
    /** The MIG profile, for MIG requests. */
    public readonly migProfile?: string,
    /** MIG device UUIDs for Compose, for MIG requests. */
    public readonly deviceIds?: string[],
  ) {
  }

  /** Whether the request takes any GPU. */
  public get takesGpus(): boolean {
    return this.kind !== GpuKind.NONE;
  }
}

/**
 * Records on `scope` every reason `request` cannot be rendered; `what` names the prop.
 * @internal
 */
export function checkGpuRequest(scope: IConstruct, what: string, request: unknown): request is GpuRequest {
  if (!GpuRequest.isGpuRequest(request)) {
    return problem(scope, `${what} ${show(request)} is not a GpuRequest: use GpuRequest.none(), GpuRequest.whole(n), GpuRequest.mig('1g.5gb') or GpuRequest.shared(n)`);
  }
  if (request.kind === GpuKind.NONE) return true;
  let ok = assertInteger(scope, `gpu count of ${what}`, request.count, 1, 64);
  if (request.kind === GpuKind.MIG) {
    if (!MIG_PROFILES.includes(request.migProfile ?? '')) {
      ok = problem(scope, `MIG profile ${show(request.migProfile)} of ${what} is not one the NVIDIA device plugin advertises: use one of ${MIG_PROFILES.join(', ')}`);
    }
    const ids = request.deviceIds;
    if (ids) {
      if (ids.length !== request.count) ok = problem(scope, `MIG request of ${what} for ${request.count} slice(s) lists ${ids.length} device id(s) ${show(ids)}: give exactly one MIG device UUID per slice`);
      for (const id of ids) if (typeof id !== 'string' || !MIG_DEVICE_ID.test(id)) ok = problem(scope, `MIG device id ${show(id)} of ${what} is not a MIG device UUID: use the 'MIG-…' id that \`nvidia-smi -L\` prints`);
      const dup = ids.find((id, i) => ids.indexOf(id) !== i);
      if (dup !== undefined) ok = problem(scope, `MIG device id ${show(dup)} of ${what} is listed twice: give each slice its own device`);
    }
  }
  if (typeof request.resourceName !== 'string' || !RESOURCE_NAME.test(request.resourceName) || request.resourceName.length > 253) {
    ok = problem(scope, `GPU resource name ${show(request.resourceName)} of ${what} is invalid: use '<domain>/<name>', e.g. 'nvidia.com/gpu.shared'`);
  } else if (/(^|\.)(kubernetes\.io|k8s\.io)\//.test(request.resourceName)) {
    ok = problem(scope, `GPU resource name ${show(request.resourceName)} of ${what} is in a domain Kubernetes reserves (kubernetes.io, k8s.io): use the device plugin's domain, e.g. 'nvidia.com/gpu.shared'`);
  }
  if (request.kind === GpuKind.SHARED && request.resourceName === 'nvidia.com/gpu') {
    ok = problem(scope, `shared GPU request of ${what} uses resource name 'nvidia.com/gpu', which Kubernetes counts as ${request.count} whole GPU(s) while Compose shares one: set the device plugin's renamed resource, e.g. { resourceName: 'nvidia.com/gpu.shared' }, or use GpuRequest.whole()`);
  }
  return ok;
}

const isMarked = typeMark(GpuRequest, 'GpuRequest');
