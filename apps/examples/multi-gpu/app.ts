import { ClusterPreset, Cpu, GpuRequest, ImageFlavor, MlApp, MlService, Profile, Size } from '../../../lib';

/**
 * A multi-GPU service with a profile of its own: `gpu-large` gives every ML service two whole A100s on nodes whose
 * driver runs CUDA 12.1, through the `nvidia` RuntimeClass, beside the built-in cpu, gpu and dev profiles. Its
 * cluster runs the NVIDIA GPU Operator, whose GPU Feature Discovery labels let the pods require the A100 and the driver.
 */
export function multiGpu(rootDir: string = __dirname): MlApp {
  const app = new MlApp({ name: 'vision', rootDir, registry: 'registry.example.com/vision', torch: '2.4', cuda: '12.1' });
  new Profile(app, 'gpu-large', {
    flavor: ImageFlavor.CUDA,
    gpu: GpuRequest.whole(2),
    cluster: ClusterPreset.gpuOperator({ runtimeClass: true }),
    gpuProducts: ['NVIDIA-A100-SXM4-80GB'],
  });
  new MlService(app, 'image-embedding', {
    build: 'services/image-embedding',
    command: ['uvicorn', 'app.main:app', '--host', '0.0.0.0', '--port', '8080'],
    port: 8080,
    pipPackages: { 'open-clip-torch': '2.26.1' },
    gpu: GpuRequest.whole(1),
    cpuRequest: Cpu.units(2),
    cpuLimit: Cpu.units(8),
    memoryRequest: Size.gibibytes(16),
    memoryLimit: Size.gibibytes(32),
    shmSize: Size.gibibytes(8),
    modelVolumeSize: Size.gibibytes(50),
  });
  return app;
}

if (require.main === module) multiGpu().synth();
