import { IConstruct } from 'constructs';
import { fail, show } from './errors';
import { assertInteger } from './names';

/** How a GPU request is satisfied by the NVIDIA device plugin. */
export enum GpuKind {
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
   * @default 'nvidia.com/gpu.shared'
   */
  readonly resourceName?: string;
}

// MIG profile names as the device plugin's mixed strategy advertises them, e.g. 1g.5gb, 3g.20gb, 1g.10gb+me.
// Source: NVIDIA GPU Operator docs, "GPU Operator with MIG" (resource names nvidia.com/mig-<profile>).
const MIG_PROFILE = /^[1-7]g\.[1-9][0-9]*gb(\+me)?$/;
const RESOURCE_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * What a service takes in a GPU profile: whole GPUs, MIG slices or time-sliced shares.
 *
 * @example GpuRequest.whole(2)
 * @example GpuRequest.mig('1g.5gb')
 * @example GpuRequest.shared(1, { resourceName: 'nvidia.com/gpu.shared' })
 */
export class GpuRequest {
  /** `count` whole GPUs. */
  public static whole(count = 1): GpuRequest {
    return new GpuRequest(GpuKind.WHOLE, count, 'nvidia.com/gpu');
  }

  /** `count` MIG slices of one profile, e.g. `1g.5gb`. */
  public static mig(profile: string, count = 1, options: MigOptions = {}): GpuRequest {
    return new GpuRequest(GpuKind.MIG, count, `nvidia.com/mig-${profile}`, profile, options.deviceIds);
  }

  /** `count` time-sliced replicas of a shared GPU. */
  public static shared(count = 1, options: SharedGpuOptions = {}): GpuRequest {
    return new GpuRequest(GpuKind.SHARED, count, options.resourceName ?? 'nvidia.com/gpu.shared');
  }

  private constructor(
    /** Which kind of request this is. */
    public readonly kind: GpuKind,
    /** How many units of `resourceName` the container takes. */
    public readonly count: number,
    /** The Kubernetes extended resource name. */
    public readonly resourceName: string,
    /** The MIG profile, for MIG requests. */
    public readonly migProfile?: string,
    /** MIG device UUIDs for Compose, for MIG requests. */
    public readonly deviceIds?: string[],
  ) {}

  /** Throws, naming `scope`, unless this request can be rendered. */
  public validate(scope: IConstruct): void {
    assertInteger(scope, 'gpu count', this.count, 1, 64);
    if (this.kind === GpuKind.MIG && !MIG_PROFILE.test(this.migProfile ?? '')) {
      fail(scope, `MIG profile ${show(this.migProfile)} is invalid: use '<g>g.<memory>gb' as the device plugin advertises it, e.g. '1g.5gb' or '3g.20gb'`);
    }
    if (this.kind === GpuKind.MIG && this.deviceIds && this.deviceIds.length !== this.count) {
      fail(scope, `MIG request for ${this.count} slice(s) lists ${this.deviceIds.length} device id(s) ${show(this.deviceIds)}: give exactly one MIG device UUID per slice`);
    }
    if (!RESOURCE_NAME.test(this.resourceName) || this.resourceName.length > 253) {
      fail(scope, `GPU resource name ${show(this.resourceName)} is invalid: use '<domain>/<name>', e.g. 'nvidia.com/gpu.shared'`);
    }
  }
}
