/*
 * Who owns a workload's named volumes under Compose. Kubernetes hands a pod's volumes to its group (fsGroup, which
 * the pod spec sets to the workload's user); Compose has no such field, and a fresh named volume takes the owner of
 * the image's directory at the mount path, or root where the image has none. The official minio image, for one,
 * declares `VOLUME /data` without an owner, so minio as uid 1000 cannot write its drive. The image tests found it.
 */

import { CACHE_DIR, MODELS_DIR } from '../model/paths';
import type { ResolvedContainer, ResolvedVolume } from '../model/model';

/** The paths an ML base image creates and gives to the app user (see the base Dockerfile's `chown`). */
const BUILT_FOR_USER = [MODELS_DIR, CACHE_DIR];

/**
 * The one-shot that sets the owner of a workload's writable volumes before it starts (Compose service `key`), or
 * undefined when every one is at a path its own image made for its user. Workloads never run as root (the
 * declaration refuses uid 0), so every other volume needs it.
 */
export function volumeOwner(volumes: readonly ResolvedVolume[], builtHere: boolean, key: string): ResolvedContainer['volumeOwner'] {
  const owned = volumes.filter((v) => !v.readOnly && !(builtHere && BUILT_FOR_USER.includes(v.path)));
  return owned.length ? { key, volumes: owned } : undefined;
}
