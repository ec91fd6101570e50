/**
 * The lowest NVIDIA Linux driver branch that runs each CUDA release's runtime without relying on forward/minor-version
 * compatibility.
 *
 * Source: NVIDIA CUDA Toolkit Release Notes, "CUDA Toolkit and Corresponding Driver Versions" (Linux x86_64 toolkit
 * driver): 11.8 GA >= 520.61.05, 12.0 GA >= 525.60.13, 12.1 GA >= 530.30.02, 12.2 GA >= 535.54.03,
 * 12.4 GA >= 550.54.14, 12.6 GA >= 560.28.03.
 */
export const CUDA_MIN_DRIVER_MAJOR: Readonly<Record<string, number>> = {
  '11.8': 520,
  '12.0': 525,
  '12.1': 530,
  '12.2': 535,
  '12.4': 550,
  '12.6': 560,
};

/** The GPU Feature Discovery label holding a node's driver major version. */
export const DRIVER_MAJOR_LABEL = 'nvidia.com/cuda.driver-version.major';

/** The lowest driver major for `cuda`, or undefined when the table has no entry. */
export function minDriverMajor(cuda: string): number | undefined {
  return CUDA_MIN_DRIVER_MAJOR[cuda];
}
