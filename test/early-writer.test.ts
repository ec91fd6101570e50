import * as fs from 'fs';
import * as path from 'path';
import { DeclarationError, MlApp, MlService } from '../lib';
import { discardEarlyWriter, startWriterEarly } from '../lib/synth/file-ops';
import { readTree, tempRoot } from './helpers/fixture';

// The kernel's list of this process's threads: independent of the library's own bookkeeping.
const threads = () => fs.readdirSync('/proc/self/task').length;

/** Waits until `done()` holds, up to 5 s; whether it did. */
async function eventually(done: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
  return done();
}

const linux = fs.existsSync('/proc/self/task') ? describe : describe.skip;

linux('the writer thread a large synth starts before resolving', () => {
  test('started early and not taken, it is stopped: its thread ends', async () => {
    const before = threads();
    startWriterEarly();
    expect(await eventually(() => threads() > before)).toBe(true);
    discardEarlyWriter();
    expect(await eventually(() => threads() <= before)).toBe(true);
  });

  test('a large app whose declaration is refused leaves no thread behind, and a fixed one then writes every file', async () => {
    const root = tempRoot();
    const app = new MlApp({ rootDir: root });
    // past the early-start threshold; one workload with a port Compose and Kubernetes cannot use
    for (let i = 0; i < 60; i++) new MlService(app, `svc-${i}`, { build: 'services/svc', command: ['x'], port: i === 7 ? 70000 : 8000 });
    const before = threads();
    expect(() => app.synth()).toThrow(DeclarationError);
    expect(fs.existsSync(path.join(root, 'dist'))).toBe(false);
    expect(await eventually(() => threads() <= before)).toBe(true);

    const fixed = new MlApp({ rootDir: root });
    for (let i = 0; i < 60; i++) new MlService(fixed, `svc-${i}`, { build: 'services/svc', command: ['x'] });
    fixed.synth();
    expect(readTree(path.join(root, 'dist'))).toEqual(fixed.synthFiles());
    expect(await eventually(() => threads() <= before)).toBe(true);
  });
});
