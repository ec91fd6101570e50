import * as fs from 'fs';
import * as path from 'path';
import { MessageChannel, Worker, receiveMessageOnPort } from 'worker_threads';

/*
 * The file-system changes of a synth: folders, new files and hard links in the staging folder. Creating a file costs
 * kernel time (0.05 to 1 ms each where this was measured, against tens of microseconds to render one), so after the
 * first files the changes move to two background threads: files are created while the next ones are rendered. The
 * calls stay synchronous for the caller: `finish()` blocks until every change is on disk, and reports the first that
 * failed.
 */

/**
 * Folder, file and link changes, applied in call order.
 * @internal
 */
export interface FileOps {
  mkdir(folder: string): void;
  write(target: string, content: string): void;
  /** A file written piece by piece. */
  open(target: string): { append(chunk: string): void; close(): void };
  link(existing: string, target: string): void;
  /** Blocks until every change is done; throws the first failure. */
  finish(): void;
}

/** Changes done by the calling thread. */
function directOps(): FileOps {
  return {
    mkdir: (folder) => fs.mkdirSync(folder, { recursive: true }),
    write: (target, content) => fs.writeFileSync(target, content),
    open: (target) => {
      const fd = fs.openSync(target, 'w');
      return {
        append: (chunk) => {
          try {
            fs.writeSync(fd, chunk);
          } catch (e) {
            fs.closeSync(fd);
            throw e;
          }
        },
        close: () => fs.closeSync(fd),
      };
    },
    link: (existing, target) => fs.linkSync(existing, target),
    finish: () => undefined,
  };
}

// The worker's program: plain JavaScript, so that it runs the same from TypeScript, compiled code or a bundle.
const WORKER = `
const fs = require('fs');
// state[0]: KiB of content posted and not yet written; state[1]: 0 running, 1 done, 2 failed
const { workerData, parentPort } = require('worker_threads');
const state = new Int32Array(workerData.state);
const errors = workerData.errors;
let failed = false;
const open = new Map();
// a message is a batch: [op, a, b, op, a, b, ...] and the KiB of content it carries
parentPort.on('message', (m) => {
  if (m === 'end') {
    for (const fd of open.values()) fs.closeSync(fd);
    Atomics.store(state, 1, failed ? 2 : 1);
    Atomics.notify(state, 1);
    return;
  }
  const [ops, kib] = m;
  for (let i = 0; i < ops.length && !failed; i += 3) {
    const op = ops[i], a = ops[i + 1], b = ops[i + 2];
    try {
      if (op === 'mkdir') fs.mkdirSync(a, { recursive: true });
      else if (op === 'link') fs.linkSync(a, b);
      else if (op === 'write') fs.writeFileSync(a, b);
      else if (op === 'open') open.set(a, fs.openSync(a, 'w'));
      else if (op === 'append') fs.writeSync(open.get(a), b);
      else if (op === 'close') { fs.closeSync(open.get(a)); open.delete(a); }
    } catch (e) {
      failed = true;
      errors.postMessage(e && e.message ? e.message : String(e));
    }
  }
  if (kib) {
    Atomics.sub(state, 0, kib);
    Atomics.notify(state, 0);
  }
});
`;

/** At most this much content (KiB) waits for the background threads: memory stays bounded on a slow disk. */
const IN_FLIGHT_KIB = 2 * 1024;

/** Changes are posted in batches of about this many operations or KiB: a message costs more than a small file's write. */
const BATCH_OPS = 32;
const BATCH_KIB = 128;

/** One background thread and its state. */
function startWorker(state: Int32Array) {
  const channel = new MessageChannel();
  const worker = new Worker(WORKER, { eval: true, workerData: { state: state.buffer, errors: channel.port2 }, transferList: [channel.port2] });
  worker.unref();
  channel.port1.unref();
  return { worker, errors: channel.port1 };
}

/**
 * Changes done by background threads. Each folder belongs to one thread, so the changes in a folder keep their
 * order (the folder is made before its files) while different folders are written at once.
 */
function backgroundOps(threads: number): FileOps {
  const states = Array.from({ length: threads }, () => new Int32Array(new SharedArrayBuffer(8)));
  const workers = states.map(startWorker);
  const pick = (folder: string) => {
    let h = 0;
    for (let i = 0; i < folder.length; i++) h = (h * 31 + folder.charCodeAt(i)) | 0;
    return Math.abs(h) % threads;
  };
  const inFlight = () => states.reduce((n, st) => n + Atomics.load(st, 0), 0);
  const batches = workers.map(() => ({ ops: [] as unknown[], kib: 0 }));
  // a batch is posted with the size of its content, and waits while too much is already on its way
  const flush = (i: number) => {
    const b = batches[i];
    if (!b.ops.length) return;
    while (inFlight() > IN_FLIGHT_KIB) Atomics.wait(states[0], 0, Atomics.load(states[0], 0), 20);
    Atomics.add(states[i], 0, b.kib);
    workers[i].worker.postMessage([b.ops, b.kib]);
    batches[i] = { ops: [], kib: 0 };
  };
  const send = (i: number, op: string, target: string, content?: string) => {
    const b = batches[i];
    b.ops.push(op, target, content);
    if (op === 'write' || op === 'append') b.kib += Math.ceil(content!.length / 1024);
    if (b.ops.length >= BATCH_OPS * 3 || b.kib >= BATCH_KIB) flush(i);
  };
  return {
    mkdir: (folder) => send(pick(folder), 'mkdir', folder),
    link: (existing, target) => send(pick(path.dirname(target)), 'link', existing, target),
    write: (target, content) => send(pick(path.dirname(target)), 'write', target, content),
    open: (target) => {
      const i = pick(path.dirname(target));
      send(i, 'open', target);
      return { append: (chunk) => send(i, 'append', target, chunk), close: () => send(i, 'close', target) };
    },
    finish: () => {
      let failure: string | undefined;
      workers.forEach((w, i) => {
        flush(i);
        w.worker.postMessage('end');
        while (Atomics.load(states[i], 1) === 0) Atomics.wait(states[i], 1, 0, 1000);
        if (Atomics.load(states[i], 1) === 2) failure ??= String(receiveMessageOnPort(w.errors)?.message ?? 'a background write failed');
        void w.worker.terminate();
        w.errors.close();
      });
      if (failure !== undefined) throw new Error(failure);
    },
  };
}

/** Background threads: inode creation is kernel CPU time, so it scales with cores until the disk is the limit. */
const THREADS = 2;

/** Files made by the calling thread before the rest go to the background (a small app never starts a thread). */
const DIRECT_FILES = 200;

/**
 * File operations that start on the calling thread and move to a background thread once a synth has made more
 * than a few hundred files.
 * @internal
 */
export function fileOps(): FileOps {
  let count = 0;
  let current = directOps();
  let background: FileOps | undefined;
  const next = () => {
    if (!background && ++count > DIRECT_FILES) current = background = backgroundOps(THREADS);
    return current;
  };
  return {
    mkdir: (folder) => current.mkdir(folder),
    write: (target, content) => next().write(target, content),
    open: (target) => next().open(target),
    link: (existing, target) => current.link(existing, target),
    finish: () => current.finish(),
  };
}
