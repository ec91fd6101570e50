/*
 * The fetch of a workload's model before its server starts.
 */

import { secretPath } from '../values/env';
import { FETCHER_PATH } from '../values/model-source';
import type { Profile } from '../declaration/profile';
import { Workload } from '../declaration/workloads/workload';
import { CACHE_DIR, MODELS_DIR } from '../model/paths';
import { ResolvedContainer, ResolvedDependency } from '../model/model';
import type { Report } from './report';
import { dedupe } from './checks';

/** The fetch of a workload's model, if it has an S3 source. */
export function modelFetch(w: Workload, p: Profile | undefined, volumes: ResolvedContainer['volumes'], byName: Map<string, Workload>,
  keyOf: (name: string, profile: string | undefined) => string, report: Report): ResolvedContainer['modelFetch'] {
  const s = w.model.s3;
  if (!s) return undefined;
  let endpoint: string;
  let dependency: ResolvedDependency | undefined;
  if (typeof s.endpoint === 'string') {
    endpoint = s.endpoint;
  } else {
    const t = byName.get(s.endpoint.name);
    if (!t || t !== s.endpoint) {
      report(w, `model endpoint '${s.endpoint.name}' is not a workload of this app: declare it in the app, or give a URL`);
      return undefined;
    }
    if (!t.ports.length) {
      report(w, `model endpoint '${t.name}' has no port to reach it on: declare its S3 port (e.g. 9000 for minio)`);
      return undefined;
    }
    endpoint = `http://${t.name}:${t.ports[0].port}`;
    dependency = { service: t.name, key: keyOf(t.name, p?.name), healthy: t.healthCheck !== undefined, job: false };
  }
  const secrets = [s.accessKey, s.secretKey].map((v) => {
    const ref = v.secretRef!;
    return { secret: ref.secret, key: ref.key, path: secretPath(ref), composeName: `${ref.secret}_${ref.key}` };
  });
  const volume = volumes.find((v) => v.path === MODELS_DIR)!;
  return {
    key: p ? `${w.name}-fetch-${p.name}` : `${w.name}-fetch`,
    command: [
      'python', FETCHER_PATH, '--endpoint', endpoint, '--bucket', s.bucket, '--prefix', s.prefix,
      ...(s.version ? ['--version', s.version] : []), '--dest', MODELS_DIR,
      '--deadline-seconds', String(s.deadline ? s.deadline.toSeconds() : 600), ...(s.allowMissing ? ['--allow-missing'] : []),
    ],
    env: [
      { name: 'AWS_ACCESS_KEY_ID_FILE', value: secrets[0].path, secret: secrets[0] },
      { name: 'AWS_SECRET_ACCESS_KEY_FILE', value: secrets[1].path, secret: secrets[1] },
      { name: 'HOME', value: CACHE_DIR }, { name: 'XDG_CACHE_HOME', value: CACHE_DIR }, { name: 'NVIDIA_VISIBLE_DEVICES', value: 'void' },
    ],
    secrets: dedupe(secrets, (x) => x.path),
    volume,
    endpoint: dependency,
  };
}
