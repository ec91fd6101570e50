/*
 * The paths every container has, in both runtimes: the contract between declarations (which may not take them),
 * the resolver and the targets (which mount them).
 */

/** Where ADR-007 keeps model artifacts: a per-service volume mounted here, which a model source fetches into. */
export const MODELS_DIR = '/app/models';
/** Paths every container gets as scratch space, owned by the runtime rather than the workload. */
export const TMP_DIR = '/tmp';
/** The writable cache mount; HOME, XDG_CACHE_HOME and TORCH_HOME point here. */
export const CACHE_DIR = '/cache';
/** Where shared memory is mounted. */
export const SHM_DIR = '/dev/shm';
/** Variables cdk8s-ml sets itself, which a declaration may not set. */
export const MANAGED_ENV = ['HOME', 'XDG_CACHE_HOME', 'TORCH_HOME', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'NVIDIA_VISIBLE_DEVICES', 'SHUTDOWN_TIMEOUT_SECONDS'];
