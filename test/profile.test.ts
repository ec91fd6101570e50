import { ImageFlavor, Profile } from '../lib';
import { mlService, newApp } from './helpers/fixture';
import { parseYaml } from './helpers/validate';

describe('Profile', () => {
  test('the built-in profiles: cpu is the Compose default, gpu takes GPUs on CUDA, dev is Compose-only', () => {
    const app = newApp();
    const byName = Object.fromEntries(app.node.findAll().filter(Profile.isProfile).map((p) => [p.name, p]));
    expect(Object.keys(byName)).toEqual(['cpu', 'gpu', 'dev']);
    expect(byName.cpu).toMatchObject({ isDefault: true, flavor: ImageFlavor.CPU, takesGpus: false, kubernetes: true });
    expect(byName.gpu).toMatchObject({ isDefault: false, flavor: ImageFlavor.CUDA, takesGpus: true, kubernetes: true });
    expect(byName.dev).toMatchObject({ dev: true, compose: true, kubernetes: false, takesGpus: false });
  });

  test('a Kubernetes-only profile has a folder and no Compose variant; a Compose-only one the reverse', () => {
    const app = newApp();
    new Profile(app, 'prod', { flavor: ImageFlavor.CUDA, compose: false });
    new Profile(app, 'laptop', { kubernetes: false });
    mlService(app);
    const files = app.synthFiles();
    const services = Object.keys(parseYaml(files.get('docker/docker-compose.ml.yml')!).services);
    expect(services).toEqual(['svc-cpu', 'svc-gpu', 'svc-dev', 'svc-laptop']);
    expect([...new Set([...files.keys()].filter((f) => f.startsWith('k8s/')).map((f) => f.split('/')[1]))]).toEqual(['cpu', 'gpu', 'prod']);
  });

  test('without a default profile, no .env is written and Compose runs only the base stack', () => {
    const app = newApp({ builtInProfiles: false });
    new Profile(app, 'gpu', { flavor: ImageFlavor.CUDA });
    mlService(app);
    expect(app.synthFiles().has('docker/.env')).toBe(false);
  });
});
