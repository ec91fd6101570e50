import { ResolvedWorkload } from '../../resolve/model';

/** The profile a manifest was rendered for. */
export const PROFILE_LABEL = 'cdk8s-ml/profile';

/**
 * The recommended labels (kubernetes.io/docs/concepts/overview/working-with-objects/common-labels).
 * The selector uses only name and instance, which are the same in every profile, so applying another profile's
 * manifests updates the same Deployment instead of failing on an immutable selector.
 */
export function selectorLabels(w: ResolvedWorkload): Record<string, string> {
  return { 'app.kubernetes.io/name': w.service, 'app.kubernetes.io/instance': w.service };
}

/** The image tag, which becomes the version label; undefined for an image pinned by digest alone. */
export function imageTag(image: string): string | undefined {
  const last = image.split('@')[0].split('/').pop()!;
  return last.includes(':') ? last.slice(last.indexOf(':') + 1) : undefined;
}

export function workloadLabels(stackName: string, w: ResolvedWorkload): Record<string, string> {
  const version = imageTag(w.image);
  return {
    ...selectorLabels(w),
    ...(version ? { 'app.kubernetes.io/version': version } : {}),
    'app.kubernetes.io/component': w.component,
    'app.kubernetes.io/part-of': stackName,
    'app.kubernetes.io/managed-by': 'cdk8s-ml',
    ...(w.profile ? { [PROFILE_LABEL]: w.profile } : {}),
  };
}
