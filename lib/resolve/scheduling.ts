/*
 * Where a GPU pod schedules: its request in a profile, and what the profile's cluster preset asks of its node.
 */

import { DRIVER_MAJOR_LABEL } from '../values/cuda-driver';
import { GpuRequest } from '../values/gpu';
import type { Profile } from '../declaration/profile';
import { Workload } from '../declaration/workloads/workload';
import { ResolvedContainer } from '../model/model';

export function gpuIn(w: Workload, p: Profile | undefined): GpuRequest | undefined {
  if (!p || !p.takesGpus) return undefined;
  const explicit = w.gpuByProfile[p.name];
  const request = explicit ?? w.gpu;
  if (!request.takesGpus) return undefined;
  return explicit ?? p.gpuOverride ?? request;
}

/** What a GPU pod of profile `p` needs to schedule, from the profile's cluster preset. */
export function scheduling(p: Profile, minDriver: number | undefined): ResolvedContainer['scheduling'] {
  const c = p.cluster.props;
  const required = [...(c.requiredAffinity ?? [])];
  const preferred = [...(c.preferredAffinity ?? [])];
  // Gt is strict, so "at least N" is "greater than N - 1".
  const driver = minDriver !== undefined ? { key: DRIVER_MAJOR_LABEL, operator: 'Gt' as const, values: [String(minDriver - 1)] } : undefined;
  if (c.gfdLabels) {
    if (driver) required.unshift(driver);
    if (p.gpuProducts.length) required.push({ key: 'nvidia.com/gpu.product', operator: 'In', values: [...p.gpuProducts] });
    if (p.minGpuMemoryMiB !== undefined) required.push({ key: 'nvidia.com/gpu.memory', operator: 'Gt', values: [String(p.minGpuMemoryMiB - 1)] });
  } else if (driver) {
    // Where GFD may not run, a fit driver is only preferred: required, it would leave the pod Pending.
    preferred.unshift({ weight: 50, requirement: driver });
  }
  return {
    preset: c.name,
    runtimeClassName: p.runtimeClassName,
    tolerations: [...(c.tolerations ?? [])],
    nodeSelector: { ...(c.nodeSelector ?? {}) },
    required,
    preferred,
    driverCheckMinMajor: c.driverCheck ? minDriver : undefined,
    dcgmLabels: c.dcgmLabels ?? 'exported',
  };
}
