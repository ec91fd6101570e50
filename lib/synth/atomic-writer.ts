import * as fs from 'fs';
import * as path from 'path';

/*
 * Replaces a folder with exactly a set of files, all or nothing, with one writer at a time:
 * - a lock file beside the folder (`.<name>.lock`, holding the writer's pid) makes a second writer wait, then fail
 *   with a clear message; a lock whose process is gone is taken over;
 * - the new tree is built in a sibling staging folder: unchanged files are hard links to the current ones (their
 *   mtime stays), changed ones are written; then two renames swap it in;
 * - leftovers of a writer that died (staging folders, or the previous folder moved aside between the two renames)
 *   are cleaned up, or restored, by the next writer under the lock.
 */

const WAIT_MS = 30_000;

/**
 * Writes `files` (relative path → content) as the whole of `dir`.
 * @returns whether anything changed
 * @internal
 */
export function writeAtomically(dir: string, files: Map<string, string>, waitMs = WAIT_MS): boolean {
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  fs.mkdirSync(parent, { recursive: true });
  const release = lock(path.join(parent, `.${base}.lock`), dir, waitMs);
  try {
    recover(parent, base, dir);
    const current = listTree(dir);
    if (sameTree(dir, current, files)) return false;
    const staging = fs.mkdtempSync(path.join(parent, `.${base}.staging-`));
    try {
      // mkdtemp makes the folder 0700; output folders get the mode an ordinary mkdir would give them.
      fs.chmodSync(staging, 0o777 & ~process.umask());
      const made = new Set<string>([staging]);
      for (const [file, content] of files) {
        const target = path.join(staging, file);
        if (!target.startsWith(staging + path.sep)) throw new Error(`refusing to write outside ${dir}: ${file}`);
        const folder = path.dirname(target);
        if (!made.has(folder)) {
          fs.mkdirSync(folder, { recursive: true });
          made.add(folder);
        }
        // only files that exist with the same size are compared (a stat that fails costs an exception each)
        const size = current.get(file);
        if (size === undefined || size !== Buffer.byteLength(content) || !linkUnchanged(path.join(dir, file), target, content)) fs.writeFileSync(target, content);
      }
      const old = `${staging.replace('.staging-', '.old-')}`;
      const hadDir = fs.existsSync(dir);
      if (hadDir) fs.renameSync(dir, old);
      fs.renameSync(staging, dir);
      if (hadDir) fs.rmSync(old, { recursive: true, force: true });
    } catch (e) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw e;
    }
    return true;
  } finally {
    release();
  }
}

/** Links `target` to `current` when `current` already holds `content`; false when it must be written. */
function linkUnchanged(current: string, target: string, content: string): boolean {
  try {
    if (fs.readFileSync(current, 'utf8') !== content) return false;
    fs.linkSync(current, target);
    return true;
  } catch {
    return false;
  }
}

/** Every file below `dir` (relative path → size); empty when `dir` does not exist. */
function listTree(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!fs.existsSync(dir)) return out;
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.set(r, fs.statSync(path.join(d, e.name)).size);
    }
  };
  walk(dir, '');
  return out;
}

/** Whether `dir` (listed as `current`) holds exactly `files` already, and nothing else. */
function sameTree(dir: string, current: Map<string, number>, files: Map<string, string>): boolean {
  if (current.size !== files.size) return false;
  for (const [f, content] of files) {
    if (current.get(f) !== Buffer.byteLength(content)) return false;
  }
  for (const [f, content] of files) {
    if (fs.readFileSync(path.join(dir, f), 'utf8') !== content) return false;
  }
  return true;
}

/** Restores the previous folder if a writer died between its renames, and removes every leftover staging folder. */
function recover(parent: string, base: string, dir: string): void {
  const leftovers = fs.readdirSync(parent).filter((n) => n.startsWith(`.${base}.staging-`) || n.startsWith(`.${base}.old-`));
  const old = leftovers.filter((n) => n.startsWith(`.${base}.old-`)).sort().pop();
  if (old && !fs.existsSync(dir)) fs.renameSync(path.join(parent, old), dir);
  for (const n of leftovers) fs.rmSync(path.join(parent, n), { recursive: true, force: true });
}

function lock(file: string, dir: string, waitMs: number): () => void {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => fs.rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number(readOr(file, ''));
    if (!Number.isInteger(holder) || holder <= 0 || !alive(holder)) {
      // The holder died without releasing it: take it over.
      fs.rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`another synth (process ${holder}) has been writing ${dir} for over ${Math.round(waitMs / 1000)} s: wait for it to finish, or remove ${file} if that process is not a synth`);
    }
    sleep(50);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
