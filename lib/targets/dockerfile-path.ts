import * as path from 'path';
import { isCleanRelativePath } from '../internal/clean-path';

// Thousands of variants share a few contexts and Dockerfile folders: each relative path is computed once.
const relativeDockerfiles = new Map<string, string>();

/**
 * The Dockerfile's path relative to the build context, as `build.dockerfile` reads it (Compose and bake alike).
 * @internal
 */
export function dockerfileIn(context: string, dockerfile: string): string {
  const key = `${context}\u0000${dockerfile}`;
  let out = relativeDockerfiles.get(key);
  if (out === undefined) {
    out = isCleanRelativePath(context) && isCleanRelativePath(dockerfile) ? relativeClean(context, dockerfile) : path.posix.relative(context, dockerfile);
    if (relativeDockerfiles.size > 10_000) relativeDockerfiles.clear();
    relativeDockerfiles.set(key, out);
  }
  return out;
}

/**
 * path.posix.relative for two clean relative paths (both from one folder): up from `from` to the segments they
 * share, then down to `to`. The same result without resolving both against the working directory.
 */
function relativeClean(from: string, to: string): string {
  const a = from.split('/');
  const b = to.split('/');
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return [...Array<string>(a.length - common).fill('..'), ...b.slice(common)].join('/');
}
