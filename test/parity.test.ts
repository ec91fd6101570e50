import * as path from 'path';
import { parse, stringify } from 'yaml';
import { buildStack } from '../apps/stack';
import { GpuRequest, Profile, ImageFlavor, checkParity } from '../lib';
import { mlService, newApp } from './helpers/fixture';

const ROOT = path.join(__dirname, '..');

describe('checkParity', () => {
  test('the geo stack agrees in both runtimes for every service and profile', () => {
    const diffs = checkParity(buildStack({ rootDir: ROOT }).synthFiles());
    expect(diffs.filter((d) => !d.expected)).toEqual([]);
    // the differences by design are reported, with their reason
    expect([...new Set(diffs.map((d) => d.field))].sort()).toEqual(['autoscaling', 'egress']);
  });

  test('reports every field that differs, by name', () => {
    const files = buildStack({ rootDir: ROOT }).synthFiles();
    const ml = parse(files.get('docker/docker-compose.ml.yml')!);
    const gpu = ml.services['sk-regression-gpu'];
    gpu.image = 'other:1';
    gpu.command = ['python', 'serve.py'];
    gpu.environment.EXTRA = '1';
    gpu.expose = ['8000', '9999'];
    gpu.tmpfs = ['/tmp'];
    gpu.shm_size = '2g';
    gpu.deploy.resources.reservations.devices[0].count = 2;
    files.set('docker/docker-compose.ml.yml', stringify(ml));
    const diffs = checkParity(files).filter((d) => !d.expected);
    expect(diffs.map((d) => `${d.service}/${d.profile}/${d.field}`).sort()).toEqual(
      ['command', 'env', 'env values', 'gpus', 'image', 'mounts', 'ports', 'shm'].map((f) => `sk-regression/gpu/${f}`));
    expect(diffs.find((d) => d.field === 'gpus')).toMatchObject({ compose: '2', kubernetes: '1' });
  });

  test('a time-sliced GPU is a documented difference, a MIG slice with device ids is none', () => {
    const app = newApp({ builtInProfiles: false });
    new Profile(app, 'cpu', { default: true });
    new Profile(app, 'shared', { flavor: ImageFlavor.CUDA, gpu: GpuRequest.shared(4) });
    new Profile(app, 'mig', { flavor: ImageFlavor.CUDA, gpu: GpuRequest.mig('1g.5gb', 1, { deviceIds: ['MIG-5c4c3a6e-0d8c-5b1e-9e6a-0b0a4e4c6f10'] }) });
    mlService(app);
    const diffs = checkParity(app.synthFiles());
    expect(diffs).toEqual([expect.objectContaining({ service: 'svc', profile: 'shared', field: 'gpus', compose: '1', kubernetes: '4', expected: expect.stringMatching(/time-slic/) })]);
  });
});
