import * as path from 'path';
import { Yaml } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
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

  test('every YAML file is what cdk8s\'s own writer writes for the same documents, byte for byte', () => {
    const yamlFiles = [...files].filter(([f]) => /\.ya?ml$/.test(f));
    expect(yamlFiles.map(([f]) => f)).toEqual(expect.arrayContaining(['k8s/gpu/sk-regression.yaml', 'docker/docker-compose.ml.yml']));
    for (const [f, content] of yamlFiles) {
      const comment = /^(# .*\n)*/.exec(content)![0];
      const docs = parseAllDocuments(content).map((d) => d.toJSON());
      expect({ f, text: comment + Yaml.stringify(...docs) }).toEqual({ f, text: content });
    }
  });

  test('snapshot of the whole output', () => {
    expect(Object.fromEntries(files)).toMatchSnapshot();
  });
});
