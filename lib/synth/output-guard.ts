import * as fs from 'fs';
import * as path from 'path';

/** The file that marks a folder as written by cdk8s-ml; only such a folder is ever replaced. */
export const OUTPUT_MARKER = '.cdk8s-ml-output';
/** The marker's content. */
export const OUTPUT_MARKER_CONTENT = '# Written by cdk8s-ml: every synth replaces this folder. Do not keep anything else here.\n';

/**
 * Why `outdir` must not be replaced, or undefined when it may. The folder is replaced as a whole, so it must be
 * one cdk8s-ml made: never the project, never a folder that holds sources, build contexts or git data.
 *
 * @param rootDir the app's root directory (absolute)
 * @param outdir the normalized output folder, relative to rootDir
 * @param protectedPaths absolute paths that must stay outside the output folder (build contexts, the app's sources)
 * @internal
 */
export function outputFolderProblem(rootDir: string, outdir: string, protectedPaths: string[]): string | undefined {
  const target = path.resolve(rootDir, outdir);
  if (target === rootDir || rootDir.startsWith(target + path.sep)) {
    return `is the project folder ${rootDir} or holds it, and every synth replaces the output folder: use a folder of its own, e.g. 'dist'`;
  }
  if (outdir.split('/').includes('.git')) return "is inside '.git': use a folder of its own, e.g. 'dist'";
  for (const p of protectedPaths) {
    if (p === target || p.startsWith(target + path.sep)) {
      return `holds ${path.relative(rootDir, p) || '.'}, which synth would delete with the folder: use a folder of its own, e.g. 'dist'`;
    }
  }
  let stat: fs.Stats | undefined;
  try {
    stat = fs.lstatSync(target);
  } catch {
    stat = undefined;
  }
  if (stat === undefined) return undefined;
  if (stat.isSymbolicLink()) {
    return `is a symbolic link (to ${fs.readlinkSync(target)}), which synth would replace by a folder: point outdir at the real folder`;
  }
  if (!stat.isDirectory()) return 'exists and is not a folder: remove it or choose another outdir';
  if ((stat.mode & 0o200) === 0) return 'is read-only (no write permission for its owner), so it is kept as it is: make it writable or choose another outdir';
  const entries = fs.readdirSync(target);
  if (entries.length && !entries.includes(OUTPUT_MARKER)) {
    return `exists, is not empty and was not written by cdk8s-ml (no ${OUTPUT_MARKER} in it), so synth will not replace it: empty or remove it, or choose another outdir`;
  }
  if (entries.includes('.git')) return "holds '.git': use a folder of its own, e.g. 'dist'";
  return undefined;
}
