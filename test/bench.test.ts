import { execFileSync } from 'child_process';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
jest.setTimeout(120_000);

// The benchmark runs here once at a small N to show it works; no time is asserted (numbers belong to `npm run bench`),
// so it does not wait for the disk to settle.
test('npm run bench works at N = 10 and prints its table', () => {
  const out = execFileSync('npm', ['run', '-s', 'bench', '--', '--sizes', '10', '--runs', '1', '--no-cli', '--no-settle'], { cwd: ROOT, encoding: 'utf8' });
  expect(out).toContain('| N | files | library ms | baseline ms | floor ms | library / baseline | library / floor | peak memory: library | baseline | floor |');
  expect(out).toMatch(/^\| 10 \| 52 \| \d+ \(\d+–\d+\) \| \d+ \(\d+–\d+\) \| \d+ \(\d+–\d+\) \| [\d.]+ \| [\d.]+ \| \d+ MiB \| \d+ MiB \| \d+ MiB \|$/m);
  // where the time goes: the writer alone and the library without rendering, against the floor in the same runs
  expect(out).toContain('| N | floor ms | writer ms | unrendered ms | library ms | writer / floor | unrendered / floor | library / floor |');
  expect(out).toMatch(/^\| 10 \| \d+ \| \d+ \| \d+ \| \d+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|$/m);
  // the comparison holds only if every side wrote the same bytes
  expect(out).toMatch(/^met {5}the 5 trees are byte for byte equal at every N$/m);
  expect(out).toMatch(/^met {5}a second synth with no change rewrites no file/m);
});
