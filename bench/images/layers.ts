import { spawn } from 'child_process';
import type { Engine } from '../../scripts/images/engine';

/*
 * The layers of images as the engine stores them: `docker save` streams an OCI image layout (a tar), whose
 * manifest.json lists each image's layer blobs in order and whose blobs are the uncompressed layer tars. Reading
 * the tar's headers gives every layer's digest and size exactly, without writing the archive anywhere.
 */

export interface Layers {
  /** Each image's layer digests, bottom first. */
  readonly images: Record<string, string[]>;
  /** Each layer's size in bytes (the uncompressed tar). */
  readonly sizes: Record<string, number>;
}

export function layersOf(engine: Engine, refs: string[]): Promise<Layers> {
  const child = spawn('docker', ['save', ...refs], { env: engine.env, stdio: ['ignore', 'pipe', 'inherit'] });
  const sizes: Record<string, number> = {};
  let manifest = '';
  let buffer = Buffer.alloc(0);
  let skip = 0; // bytes of the current entry's data (and padding) still to pass
  let capture: ((b: Buffer) => void) | undefined;
  let captureLeft = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      if (skip > 0) {
        const n = Math.min(skip, buffer.length);
        if (capture && captureLeft > 0) {
          const take = Math.min(n, captureLeft);
          capture(buffer.subarray(0, take));
          captureLeft -= take;
        }
        buffer = buffer.subarray(n);
        skip -= n;
        if (skip > 0) return;
        capture = undefined;
      }
      if (buffer.length < 512) return;
      const header = buffer.subarray(0, 512);
      buffer = buffer.subarray(512);
      if (header.every((b) => b === 0)) continue;
      const name = cString(header.subarray(345, 500)) ? `${cString(header.subarray(345, 500))}/${cString(header.subarray(0, 100))}` : cString(header.subarray(0, 100));
      const size = parseInt(cString(header.subarray(124, 136)).trim() || '0', 8);
      const blob = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(name);
      if (blob) sizes[`sha256:${blob[1]}`] = size;
      if (name === 'manifest.json') {
        capture = (b) => (manifest += b.toString('utf8'));
        captureLeft = size;
      }
      skip = Math.ceil(size / 512) * 512;
    }
  });
  return new Promise((resolve, reject) => child.on('close', (code) => {
    if (code !== 0) return reject(new Error(`docker save exited ${code}`));
    const images: Record<string, string[]> = {};
    for (const m of JSON.parse(manifest)) {
      const layers = (m.Layers as string[]).map((l) => `sha256:${l.split('/').pop()}`);
      for (const tag of m.RepoTags ?? []) images[tag] = layers;
    }
    // a blob that is a config or manifest is not a layer: keep only those the images name
    const used = new Set(Object.values(images).flat());
    resolve({ images, sizes: Object.fromEntries(Object.entries(sizes).filter(([d]) => used.has(d))) });
  }));
}

function cString(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
}

/** Bytes of the distinct layers of a set of images: what a registry stores and a new node pulls. */
export function uniqueBytes(l: Layers, refs: string[]): number {
  return [...new Set(refs.flatMap((r) => l.images[r]))].reduce((n, d) => n + l.sizes[d], 0);
}

/** Bytes of an image's layers that are not in `below` (its base, or nothing). */
export function ownBytes(l: Layers, ref: string, below?: string): number {
  const base = new Set(below ? l.images[below] : []);
  return l.images[ref].filter((d) => !base.has(d)).reduce((n, d) => n + l.sizes[d], 0);
}

/** The share of an image's bytes in layers that one of `others` also has. */
export function sharedShare(l: Layers, ref: string, others: string[]): number {
  const theirs = new Set(others.filter((o) => o !== ref).flatMap((o) => l.images[o]));
  const total = l.images[ref].reduce((n, d) => n + l.sizes[d], 0);
  return total ? l.images[ref].filter((d) => theirs.has(d)).reduce((n, d) => n + l.sizes[d], 0) / total : 0;
}
