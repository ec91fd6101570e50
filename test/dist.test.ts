import * as path from 'path';
import { buildStack } from '../apps/stack';
import { readTree } from './helpers/fixture';

const ROOT = path.join(__dirname, '..');

// dist/ is committed output: this fails whenever `npm run synth` would change it, so every change shows in review.
describe('dist/ drift check', () => {
  const files = buildStack({ rootDir: ROOT }).synthFiles();

  test('dist/ holds exactly the files synth writes, byte for byte', () => {
    const onDisk = readTree(path.join(ROOT, 'dist'));
    expect([...onDisk.keys()]).toEqual([...files.keys()]);
    for (const [f, content] of files) expect({ f, same: onDisk.get(f) === content }).toEqual({ f, same: true });
  });

  test('snapshot of the whole output', () => {
    expect(Object.fromEntries(files)).toMatchSnapshot();
  });
});
