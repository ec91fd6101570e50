import { createHash } from 'crypto';

/*
 * A Job's pod template is immutable: applying a changed one (a new image, the gpu profile's variant over the cpu
 * one in the same namespace) is refused by the API server. So a one-shot Job is named after what it runs,
 * `<workload>-<8 hex digits of its spec's hash>`: an unchanged Job re-applies as itself (and does not run again), a
 * changed one is a new Job that runs, and the finished old one goes after `ttlSecondsAfterFinished`. CronJobs keep
 * their name: their job template may change. (workloads/job.ts keeps a Job's name short enough for the suffix.)
 */

/**
 * The name of the Job of workload `name` whose spec is `spec`.
 * @internal
 */
export function jobName(name: string, spec: unknown): string {
  return `${name}-${createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 8)}`;
}

/** JSON with every object's keys sorted and undefined members left out, so that equal specs hash alike. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
