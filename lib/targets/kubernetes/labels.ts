import { ResolvedWorkload } from '../../model/model';

/** The profile a manifest was rendered for. */
export const PROFILE_LABEL = 'cdk8s-ml/profile';

/**
 * The recommended labels (kubernetes.io/docs/concepts/overview/working-with-objects/common-labels).
 * The selector uses only name and instance, which are the same in every profile, so applying another profile's
 * manifests updates the same Deployment instead of failing on an immutable selector.
 */
export function selectorLabels(w: ResolvedWorkload): Record<string, string> {
  return { 'app.kubernetes.io/instance': w.service, 'app.kubernetes.io/name': w.service };
}

/** The image tag, which becomes the version label; undefined for an image pinned by digest alone. */
export function imageTag(image: string): string | undefined {
  const at = image.indexOf('@');
  const ref = at < 0 ? image : image.slice(0, at);
  const colon = ref.indexOf(':', ref.lastIndexOf('/') + 1);
  return colon < 0 ? undefined : ref.slice(colon + 1);
}

/** Every label of a workload's objects: the selector labels, version, component, part-of, managed-by, profile. */
export function workloadLabels(stackName: string, w: ResolvedWorkload): Record<string, string> {
  // in sorted order, as manifests are written
  const labels: Record<string, string> = {
    'app.kubernetes.io/component': w.component,
    'app.kubernetes.io/instance': w.service,
    'app.kubernetes.io/managed-by': 'cdk8s-ml',
    'app.kubernetes.io/name': w.service,
    'app.kubernetes.io/part-of': stackName,
  };
  const version = imageTag(w.image);
  if (version) labels['app.kubernetes.io/version'] = version;
  if (w.profile) labels[PROFILE_LABEL] = w.profile;
  return labels;
}
