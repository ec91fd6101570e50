import * as fs from 'fs';
import * as path from 'path';
import { isCleanRelativePath } from '../internal/clean-path';
import { FileOps, fileOps } from './file-ops';

/*
 * Replaces a folder with exactly a set of files, all or nothing, with one writer at a time:
 * - a lock file beside the folder (`.<name>.lock`, holding the writer's pid from the moment it exists: it is a hard
 *   link to a pid file written first) makes a second writer wait, then fail with a clear message; a lock whose
 *   process is gone is taken over;
 * - the new tree is built in a sibling staging folder: unchanged files are hard links to the current ones (their
 *   mtime stays), changed ones are written; then two renames swap it in; when every file is unchanged, nothing is
 *   staged and the folder stays as it is;
 * - leftovers of a writer that died (staging folders, the previous folder moved aside between the two renames, a pid
 *   file not yet linked) are cleaned up, or restored, by the next writer under the lock.
 */

const WAIT_MS = 30_000;

/** Whether `file` names a path strictly inside `root` (an absolute, resolved folder). */
function inside(root: string, file: string): boolean {
  return isCleanRelativePath(file) || path.resolve(root, file).startsWith(root + path.sep);
}

/** What a write did, file by file (paths relative to the folder). */
export interface WriteSummary {
  /** Files that are new or whose content changed. */
  readonly written: string[];
  /** Files emitted with the content they already had (their modification time is kept). */
  readonly unchanged: string[];
  /** Files of the previous output that nothing emitted any more. */
  readonly removed: string[];
}

/**
 * Receives one file for the folder: its path relative to the folder, and its content whole or in chunks.
 * @internal
 */
export type WriteFile = (file: string, content: string | Iterable<string>) => void;

/**
 * Writes a set of files as the whole of `dir`. The files come from `files`, or from `produce`, which hands them
 * over one at a time so that each can be written (and its content forgotten) before the next is made. If
 * `produce` throws, nothing changes in `dir`. `expectedFiles`, an estimate of how many files `produce` hands over,
 * lets a large output go to the background thread from its first file.
 * @returns whether anything changed
 * @internal
 */
export function writeAtomically(dir: string, files: Map<string, string> | ((write: WriteFile) => void), waitMs = WAIT_MS, expectedFiles = 0, summary?: WriteSummary): boolean {
  const produce = typeof files === 'function' ? files : (write: WriteFile) => files.forEach((content, f) => write(f, content));
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  fs.mkdirSync(parent, { recursive: true });
  const release = lock(path.join(parent, `.${base}.lock`), dir, waitMs);
  let staging: string | undefined;
  try {
    recover(parent, base, dir);
    const current = listTree(dir);
    const root = path.resolve(dir);
    const made = new Set<string>();
    const ops = fileOps(typeof files === 'function' ? expectedFiles : files.size);
    // Files equal to the current ones, met before any file differed: while all are equal, nothing is staged.
    const unchanged: string[] = [];
    // what the summary says: every file emitted, and those that stayed as they were
    const emitted: string[] = [];
    const same = new Set<string>();
    let count = 0;
    const stage = (): string => {
      if (staging) return staging;
      staging = fs.mkdtempSync(path.join(parent, `.${base}.staging-`));
      // mkdtemp makes the folder 0700; output folders get the mode an ordinary mkdir would give them.
      fs.chmodSync(staging, 0o777 & ~process.umask());
      made.add(staging);
      for (const f of unchanged) link(f);
      unchanged.length = 0;
      return staging;
    };
    const folderOf = (file: string): string => {
      // a clean relative path (what targets emit) joins as it is; any other is normalized by path.join
      const clean = isCleanRelativePath(file);
      const target = clean ? `${staging}/${file}` : path.join(staging!, file);
      const folder = clean ? target.slice(0, target.lastIndexOf('/')) : path.dirname(target);
      if (!made.has(folder)) {
        ops.mkdir(folder);
        made.add(folder);
      }
      return target;
    };
    // an unchanged file is a hard link to the current one: its inode and mtime stay
    const link = (file: string) => ops.link(path.join(dir, file), folderOf(file));
    // A file made as chunks is compared with the current one as the chunks come, and written only from the first
    // difference on (the part before it is the current file's): no chunk is kept.
    const writeChunks = (file: string, chunks: Iterable<string>) => {
      const old = current.has(file) ? read(path.join(dir, file)) : undefined;
      let pos = 0;
      let out: ReturnType<FileOps['open']> | undefined;
      const open = () => {
        stage();
        out = ops.open(folderOf(file));
        if (pos) out.append(old!.slice(0, pos));
      };
      try {
        for (const chunk of chunks) {
          if (!out && old !== undefined && old.startsWith(chunk, pos)) pos += chunk.length;
          else {
            if (!out) open();
            out!.append(chunk);
          }
        }
      } catch (e) {
        // the file stays incomplete in the staging folder, which is removed
        out?.close();
        throw e;
      }
      if (!out && old !== undefined && pos === old.length) {
        same.add(file);
        if (staging) link(file);
        else unchanged.push(file);
        return;
      }
      if (!out) open();
      out!.close();
    };
    let produced = false;
    try {
      produce((file, content) => {
        if (!inside(root, file)) throw new Error(`refusing to write outside ${dir}: ${file}`);
        count++;
        if (summary) emitted.push(file);
        if (typeof content !== 'string') {
          writeChunks(file, content);
          return;
        }
        // only files that exist with the same size are read and compared
        const size = current.get(file);
        const equal = size !== undefined && size === Buffer.byteLength(content) && holds(path.join(dir, file), content);
        if (equal) same.add(file);
        if (equal && !staging) unchanged.push(file);
        else if (equal) link(file);
        else {
          stage();
          ops.write(folderOf(file), content);
        }
      });
      // every current file came back unchanged, and nothing else: the folder stays as it is
      if (staging || count !== current.size) stage();
      produced = true;
      if (summary) {
        const made = new Set(emitted);
        summary.written.push(...emitted.filter((f) => !same.has(f)));
        summary.unchanged.push(...emitted.filter((f) => same.has(f)));
        summary.removed.push(...[...current.keys()].filter((f) => !made.has(f)).sort());
      }
    } finally {
      // every change is on disk before the folder is swapped in or removed; a failure to write is thrown here,
      // unless the rendering already failed (that error is the one to report)
      try {
        ops.finish();
      } catch (e) {
        if (produced) throw e;
      }
    }
    if (!staging) return false;
    const ready = staging;
    const old = `${ready.replace('.staging-', '.old-')}`;
    const hadDir = fs.existsSync(dir);
    if (hadDir) fs.renameSync(dir, old);
    fs.renameSync(ready, dir);
    staging = undefined;
    if (hadDir) fs.rmSync(old, { recursive: true, force: true });
    return true;
  } finally {
    if (staging) fs.rmSync(staging, { recursive: true, force: true });
    release();
  }
}

/** Whether `file` holds exactly `content`. */
function holds(file: string, content: string): boolean {
  return read(file) === content;
}

/** The text of `file`; undefined when it cannot be read. */
function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
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

/** Restores the previous folder if a writer died between its renames, and removes every leftover staging folder. */
function recover(parent: string, base: string, dir: string): void {
  const leftovers = fs.readdirSync(parent).filter((n) => n.startsWith(`.${base}.staging-`) || n.startsWith(`.${base}.old-`));
  const old = leftovers.filter((n) => n.startsWith(`.${base}.old-`)).sort().pop();
  if (old && !fs.existsSync(dir)) fs.renameSync(path.join(parent, old), dir);
  for (const n of leftovers) fs.rmSync(path.join(parent, n), { recursive: true, force: true });
  // the pid file of a writer that died before it could link it to the lock
  const prefix = `.${base}.lock.`;
  for (const n of fs.readdirSync(parent)) {
    const pid = n.startsWith(prefix) ? n.slice(prefix.length) : '';
    if (/^[1-9][0-9]*$/.test(pid) && Number(pid) !== process.pid && !alive(Number(pid))) fs.rmSync(path.join(parent, n), { force: true });
  }
}

function lock(file: string, dir: string, waitMs: number): () => void {
  const deadline = Date.now() + waitMs;
  // The lock appears with the holder's pid in it: written to a file of this process's own, then hard-linked to the
  // lock's name, which fails if the lock exists. (Created empty and then written, a lock read in between looked like
  // one whose holder had died, and a second synth took it over while the first was writing.)
  const mine = `${file}.${process.pid}`;
  fs.writeFileSync(mine, String(process.pid));
  try {
    for (;;) {
      try {
        fs.linkSync(mine, file);
        return () => fs.rmSync(file, { force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const content = readIfPresent(file);
      // released in the meantime
      if (content === undefined) continue;
      const holder = Number(content);
      // an empty lock is one an older cdk8s-ml is creating: it gets a moment to write its pid
      const dead = content === '' ? ageMs(file) > EMPTY_LOCK_MS : !Number.isInteger(holder) || holder <= 0 || !alive(holder);
      if (dead) {
        // The holder died without releasing it: take it over.
        fs.rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`another synth (process ${content === '' ? 'not yet known' : holder}) has been writing ${dir} for over ${Math.round(waitMs / 1000)} s: wait for it to finish, or remove ${file} if that process is not a synth`);
      }
      sleep(50);
    }
  } finally {
    // linked or given up: the pid file has done its part
    fs.rmSync(mine, { force: true });
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

/** How long a lock file may stay empty before it counts as left by a writer that died while creating it. */
const EMPTY_LOCK_MS = 2_000;

function ageMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function readIfPresent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
