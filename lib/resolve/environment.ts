/*
 * A workload's environment: its declared variables resolved, and the variables cdk8s-ml manages.
 */

import { EnvValue, expandTemplate, secretPath } from '../values/env';
import { show } from '../internal/errors';
import { Workload } from '../declaration/workloads/workload';
import { CACHE_DIR } from '../model/paths';
import { ResolvedEnv } from '../model/model';
import type { Report } from './report';

export function resolveEnv(w: Workload, report: Report): ResolvedEnv[] {
  const declared = w.env;
  const out = new Map<string, ResolvedEnv>();
  const visiting = new Set<string>();
  const valueOf = (name: string): ResolvedEnv | undefined => {
    if (out.has(name)) return out.get(name);
    const v: EnvValue | undefined = Object.prototype.hasOwnProperty.call(declared, name) ? declared[name] : undefined;
    if (!v) return undefined;
    let r: ResolvedEnv;
    if (v.type === 'secret') {
      const ref = v.secretRef!;
      const p = secretPath(ref);
      r = { name, value: p, secret: { secret: ref.secret, key: ref.key, path: p, composeName: `${ref.secret}_${ref.key}` } };
    } else if (v.type === 'template') {
      if (visiting.has(name)) {
        report(w, `environment variable ${name} refers to itself through ${show([...visiting])}: break the cycle`);
        return { name, value: '' };
      }
      visiting.add(name);
      const value = expandTemplate(v.value!, (ref) => {
        const x = valueOf(ref);
        if (x === undefined) report(w, `environment variable ${name} refers to \${${ref}}, which the workload does not declare: declare ${ref}, or write $\${ for a literal '\${'`);
        return x?.value ?? '';
      });
      visiting.delete(name);
      r = { name, value };
    } else {
      r = { name, value: v.value! };
    }
    out.set(name, r);
    return r;
  };
  for (const name of Object.keys(declared)) valueOf(name);
  return Object.keys(declared).map((n) => out.get(n)!);
}

// The managed variables every variant of every workload carries, frozen: the model is read-only.
const HOME_ENV: ResolvedEnv = Object.freeze({ name: 'HOME', value: CACHE_DIR });
const XDG_ENV: ResolvedEnv = Object.freeze({ name: 'XDG_CACHE_HOME', value: CACHE_DIR });
const TORCH_ENV: ResolvedEnv = Object.freeze({ name: 'TORCH_HOME', value: `${CACHE_DIR}/torch` });
const NO_GPU_ENV: ResolvedEnv = Object.freeze({ name: 'NVIDIA_VISIBLE_DEVICES', value: 'void' });

export function managedEnv(w: Workload, gpu: boolean, ml: boolean): ResolvedEnv[] {
  // The root filesystem is read-only: point every cache at the writable cache mount.
  const env: ResolvedEnv[] = [HOME_ENV, XDG_ENV];
  if (ml) {
    env.push(TORCH_ENV);
    // BLAS and OpenMP otherwise start one thread per host core and thrash inside a CPU limit.
    const threads = String(w.cpuLimit.toThreads());
    env.push({ name: 'OMP_NUM_THREADS', value: threads }, { name: 'MKL_NUM_THREADS', value: threads });
  }
  // The NVIDIA runtime exposes every GPU to a container whose image sets NVIDIA_VISIBLE_DEVICES=all (CUDA images do).
  if (!gpu) env.push(NO_GPU_ENV);
  const drain = w.drainSeconds();
  if (drain) env.push({ name: 'SHUTDOWN_TIMEOUT_SECONDS', value: String(drain.timeout) });
  return env;
}
