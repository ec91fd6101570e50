import { ClusterPreset, GpuRequest, ImageFlavor, MlApp, MlService, Profile } from '../../../lib';

/**
 * One GPU service deployed to two managed clouds: `gke` on Google Kubernetes Engine L4 node pools and `aks` on Azure
 * GPU node pools, each profile with the cluster preset that makes its pods schedule there. Both render for
 * Kubernetes only; Compose keeps the built-in cpu and dev profiles.
 */
export function clouds(rootDir: string = __dirname): MlApp {
  const app = new MlApp({ name: 'vision', rootDir, registry: 'registry.example.com/vision', namespace: 'vision', builtInProfiles: false });
  Profile.cpu(app);
  Profile.dev(app);
  new Profile(app, 'gke', { flavor: ImageFlavor.CUDA, targets: ['kubernetes'], cluster: ClusterPreset.gke({ accelerator: 'nvidia-l4' }) });
  new Profile(app, 'aks', { flavor: ImageFlavor.CUDA, targets: ['kubernetes'], cluster: ClusterPreset.aks({ driverCheck: true }) });
  new MlService(app, 'detector', {
    build: 'services/detector',
    command: ['uvicorn', 'app.main:app', '--host', '0.0.0.0', '--port', '8000'],
    gpu: GpuRequest.whole(1),
  });
  return app;
}

if (require.main === module) clouds().synth();
