import * as fs from 'fs';
import { MessageChannel, MessagePort, Worker, receiveMessageOnPort } from 'worker_threads';

/*
 * The file-system changes of a synth: folders, new files and hard links in the staging folder. Creating a file costs
 * kernel time (0.05 to 1 ms each where this was measured, against tens of microseconds to render one), so after the
 * first files the changes move to a background thread: files are created while the next ones are rendered. The
 * calls stay synchronous for the caller: `finish()` blocks until every change is on disk, and reports the first that
 * failed.
 *
 * One thread: a synth of a large app keeps both cores of a small machine busy (the rendering thread, V8's compiler
 * and garbage-collector threads, the writes), so its time follows the CPU time it spends. In paired runs at N = 1000
 * on 2 cores a second writer bought nothing (1.27 s against 1.23 s) and cost kernel time (0.63 s against 0.51 s):
 * two threads creating files at once contend in the file system.
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

/** At most this much content (KiB) waits for the background thread: memory stays bounded on a slow disk. */
const IN_FLIGHT_KIB = 2 * 1024;

/** Changes are posted in batches of about this many operations or KiB: a message costs more than a small file's write. */
const BATCH_OPS = 32;
const BATCH_KIB = 128;

/** A background thread and its shared state, started and not yet given any change. */
interface Thread {
  readonly worker: Worker;
  readonly state: Int32Array;
  readonly errors: MessagePort;
}

function startThread(): Thread {
  const state = new Int32Array(new SharedArrayBuffer(8));
  const channel = new MessageChannel();
  // no execArgv: the program needs no loader, and inheriting the process's (a --require of tsx, say) costs the
  // thread tens of milliseconds of start-up
  const worker = new Worker(WORKER, {
    eval: true, execArgv: [], workerData: { state: state.buffer, errors: channel.port2 }, transferList: [channel.port2],
  });
  worker.unref();
  channel.port1.unref();
  return { worker, state, errors: channel.port1 };
}

function stopThread(t: Thread): void {
  void t.worker.terminate();
  t.errors.close();
}

/**
 * Changes done by one background thread, in call order (a folder is made before its files).
 */
function backgroundOps(): FileOps {
  const thread = startThread();
  const { worker, state } = thread;
  let batch: { ops: unknown[]; kib: number } = { ops: [], kib: 0 };
  // a batch is posted with the size of its content, and waits while too much is already on its way
  const flush = () => {
    if (!batch.ops.length) return;
    while (Atomics.load(state, 0) > IN_FLIGHT_KIB) Atomics.wait(state, 0, Atomics.load(state, 0), 20);
    Atomics.add(state, 0, batch.kib);
    worker.postMessage([batch.ops, batch.kib]);
    batch = { ops: [], kib: 0 };
  };
  const send = (op: string, target: string, content?: string) => {
    batch.ops.push(op, target, content);
    if (op === 'write' || op === 'append') batch.kib += Math.ceil(content!.length / 1024);
    if (batch.ops.length >= BATCH_OPS * 3 || batch.kib >= BATCH_KIB) flush();
  };
  return {
    mkdir: (folder) => send('mkdir', folder),
    link: (existing, target) => send('link', existing, target),
    write: (target, content) => send('write', target, content),
    open: (target) => {
      send('open', target);
      return { append: (chunk) => send('append', target, chunk), close: () => send('close', target) };
    },
    finish: () => {
      flush();
      worker.postMessage('end');
      while (Atomics.load(state, 1) === 0) Atomics.wait(state, 1, 0, 1000);
      const failure = Atomics.load(state, 1) === 2 ? String(receiveMessageOnPort(thread.errors)?.message ?? 'a background write failed') : undefined;
      stopThread(thread);
      if (failure !== undefined) throw new Error(failure);
    },
  };
}

/** Files made by the calling thread before the rest go to the background (a small app never starts a thread). */
const DIRECT_FILES = 200;

/**
 * File operations that start on the calling thread and move to the background thread once a synth has made more
 * than a few hundred files, or from the first file when the caller expects that many (a large app's first files are
 * then not made on the rendering thread either).
 * @internal
 */
export function fileOps(expectedFiles = 0): FileOps {
  let count = 0;
  let current = directOps();
  let background: FileOps | undefined;
  // a file counts towards the switch; a folder or a link only follows an expected switch
  const next = (file: boolean) => {
    if (!background && ((file && ++count > DIRECT_FILES) || expectedFiles > DIRECT_FILES)) current = background = backgroundOps();
    return current;
  };
  return {
    mkdir: (folder) => next(false).mkdir(folder),
    write: (target, content) => next(true).write(target, content),
    open: (target) => next(true).open(target),
    link: (existing, target) => next(false).link(existing, target),
    finish: () => current.finish(),
  };
}
