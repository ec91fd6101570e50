import { execFileSync } from 'child_process';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
jest.setTimeout(120_000);

// The benchmark runs here once at a small N to show it works; no time is asserted (numbers belong to `npm run bench`).
test('npm run bench works at N = 10 and prints its table', () => {
  const out = execFileSync('npm', ['run', '-s', 'bench', '--', '--sizes', '10', '--runs', '1', '--no-cli'], { cwd: ROOT, encoding: 'utf8' });
  expect(out).toContain('| N | library ms | baseline ms | ratio | peak memory (library) | peak memory (baseline) |');
  expect(out).toMatch(/^\| 10 \| \d+ \| \d+ \| [\d.]+ \| \d+ MiB \| \d+ MiB \|$/m);
  expect(out).toMatch(/^met {5}a second synth with no change rewrites no file/m);
});
