#!/usr/bin/env node
// Runs a TypeScript cdk8s app as precompiled JavaScript (the cdk8s.yaml `app`): the app's own sources are bundled
// with esbuild into .synth-cache/ whenever one of them changed (node_modules stay external and untouched), and the
// bundle is required. A warm run costs a stat of each source file; no TypeScript loader runs, and the first
// `npx cdk8s synth` of a fresh clone builds the bundle itself, so no extra step is needed.
'use strict';
const fs = require('fs');
const path = require('path');

const entry = path.resolve(process.argv[2] || 'apps/main.ts');
const cacheDir = path.join(process.cwd(), '.synth-cache');
const name = path.relative(process.cwd(), entry).replace(/[\\/]/g, '__').replace(/\.ts$/, '');
const bundle = path.join(cacheDir, `${name}.js`);
const stampFile = path.join(cacheDir, `${name}.inputs.json`);

function fresh() {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
    fs.statSync(bundle);
  } catch {
    return false;
  }
  for (const [file, mtime] of Object.entries(stamp)) {
    try {
      if (fs.statSync(file).mtimeMs !== mtime) return false;
    } catch {
      return false;
    }
  }
  return true;
}

if (!fresh()) {
  const esbuild = require('esbuild');
  fs.mkdirSync(cacheDir, { recursive: true });
  const result = esbuild.buildSync({
    entryPoints: [entry], outfile: bundle, bundle: true, platform: 'node', target: 'node18', format: 'cjs',
    packages: 'external', metafile: true, logLevel: 'warning',
  });
  const stamp = Object.fromEntries(Object.keys(result.metafile.inputs).map((f) => [path.resolve(f), fs.statSync(f).mtimeMs]));
  fs.writeFileSync(stampFile, JSON.stringify(stamp));
}
require(bundle);
