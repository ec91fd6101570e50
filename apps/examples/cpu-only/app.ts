import { Cpu, MlApp, MlService, Profile, Size } from '../../../lib';

/**
 * A CPU-only ML service: the app declares only the `cpu` profile (the Compose default), so nothing asks for a GPU
 * and `dist/k8s/cpu/` is the one Kubernetes folder.
 */
export function cpuOnly(rootDir: string = __dirname): MlApp {
  const app = new MlApp({ name: 'text', rootDir, builtInProfiles: false });
  Profile.cpu(app);
  new MlService(app, 'text-classifier', {
    build: 'services/text-classifier',
    command: ['uvicorn', 'app.main:app', '--host', '0.0.0.0', '--port', '8000'],
    pipPackages: { 'scikit-learn': '1.5.2' },
    cpuRequest: Cpu.millis(250),
    cpuLimit: Cpu.units(1),
    memoryRequest: Size.mebibytes(512),
    memoryLimit: Size.gibibytes(1),
    shmSize: Size.mebibytes(256),
  });
  return app;
}

if (require.main === module) cpuOnly().synth();
