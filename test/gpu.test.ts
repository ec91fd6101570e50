import { ClusterPreset, GpuRequest, ImageFlavor, Profile } from '../lib';
import { mlService, newApp } from './helpers/fixture';
import { composeErrors, k8sErrors, parseStream, parseYaml } from './helpers/validate';

function deploymentOf(files: Map<string, string>, file: string): any {
  return parseStream(files.get(file)!).find((o) => o.kind === 'Deployment');
}

describe('GPU requests', () => {
  test('a user-defined profile (gpu-large, 2 GPUs) renders in both runtimes without touching the library', () => {
    const app = newApp();
    new Profile(app, 'gpu-large', { flavor: ImageFlavor.CUDA, gpu: GpuRequest.whole(2), cluster: ClusterPreset.gpuOperator(), runtimeClassName: 'nvidia', gpuProducts: ['NVIDIA-A100-SXM4-80GB'], minGpuMemoryMiB: 40960 });
    mlService(app, 'embed');
    const files = app.synthFiles();
    const svc = parseYaml(files.get('docker/docker-compose.ml.yml')!).services['embed-gpu-large'];
    expect(svc.profiles).toEqual(['gpu-large']);
    expect(svc.deploy.resources.reservations.devices).toEqual([{ driver: 'nvidia', count: 2, capabilities: ['gpu'] }]);
    const pod = deploymentOf(files, 'k8s/gpu-large/embed.yaml').spec.template.spec;
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe(2);
    expect(pod.runtimeClassName).toBe('nvidia');
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([
      { key: 'nvidia.com/cuda.driver-version.major', operator: 'Gt', values: ['549'] },
      { key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-A100-SXM4-80GB'] },
      { key: 'nvidia.com/gpu.memory', operator: 'Gt', values: ['40959'] },
    ]);
    expect(composeErrors(parseYaml(files.get('docker/docker-compose.ml.yml')!))).toEqual([]);
    for (const o of parseStream(files.get('k8s/gpu-large/embed.yaml')!)) expect(k8sErrors(o)).toEqual([]);
  });

  test.each([['11.8', '519'], ['12.1', '529'], ['12.4', '549']])('CUDA %s requires a driver major above %s where GFD labels exist', (cuda, gt) => {
    const app = newApp({ cuda, builtInProfiles: false });
    Profile.cpu(app);
    new Profile(app, 'gpu', { flavor: ImageFlavor.CUDA, cluster: ClusterPreset.gpuOperator() });
    mlService(app);
    const pod = deploymentOf(app.synthFiles(), 'k8s/gpu/svc.yaml').spec.template.spec;
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions)
      .toEqual([{ key: 'nvidia.com/cuda.driver-version.major', operator: 'Gt', values: [gt] }]);
  });

  test('MIG slices: the nvidia.com/mig-<profile> resource in Kubernetes, device ids in Compose', () => {
    const app = newApp();
    const id = 'MIG-5c4c3a6e-0d8c-5b1e-9e6a-0b0a4e4c6f10';
    mlService(app, 'svc', { gpu: GpuRequest.mig('3g.20gb', 1, { deviceIds: [id] }) });
    const files = app.synthFiles();
    const limits = deploymentOf(files, 'k8s/gpu/svc.yaml').spec.template.spec.containers[0].resources.limits;
    expect(limits).toEqual({ 'cpu': '2', 'memory': '4Gi', 'nvidia.com/mig-3g.20gb': 1 });
    const svc = parseYaml(files.get('docker/docker-compose.ml.yml')!).services['svc-gpu'];
    expect(svc.deploy.resources.reservations.devices).toEqual([{ driver: 'nvidia', device_ids: [id], capabilities: ['gpu'] }]);
    expect(composeErrors(parseYaml(files.get('docker/docker-compose.ml.yml')!))).toEqual([]);
  });

  test('MIG without device ids renders for a Kubernetes-only profile', () => {
    const app = newApp();
    new Profile(app, 'mig', { flavor: ImageFlavor.CUDA, gpu: GpuRequest.mig('1g.5gb', 2), compose: false });
    mlService(app);
    const files = app.synthFiles();
    expect(deploymentOf(files, 'k8s/mig/svc.yaml').spec.template.spec.containers[0].resources.limits['nvidia.com/mig-1g.5gb']).toBe(2);
    expect(Object.keys(parseYaml(files.get('docker/docker-compose.ml.yml')!).services)).not.toContain('svc-mig');
  });

  test('time-sliced shares use the configured resource name in Kubernetes and one shared device in Compose', () => {
    const app = newApp();
    mlService(app, 'svc', { gpu: GpuRequest.shared(3, { resourceName: 'nvidia.com/gpu.shared' }) });
    const files = app.synthFiles();
    expect(deploymentOf(files, 'k8s/gpu/svc.yaml').spec.template.spec.containers[0].resources.limits['nvidia.com/gpu.shared']).toBe(3);
    expect(parseYaml(files.get('docker/docker-compose.ml.yml')!).services['svc-gpu'].deploy.resources.reservations.devices)
      .toEqual([{ driver: 'nvidia', count: 1, capabilities: ['gpu'] }]);
  });

  test('a service limited to some profiles has variants only there', () => {
    const app = newApp();
    mlService(app, 'svc', { profiles: ['gpu'] });
    const files = app.synthFiles();
    expect(Object.keys(parseYaml(files.get('docker/docker-compose.ml.yml')!).services)).toEqual(['svc-gpu']);
    expect(files.has('k8s/cpu/svc.yaml')).toBe(false);
    expect(JSON.parse(files.get('docker/docker-bake.json')!).group.cpu.targets).toEqual(['ml-base-cpu']);
  });
});
