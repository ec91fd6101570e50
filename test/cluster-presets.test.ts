import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { clouds } from '../apps/examples/clouds/app';
import { ClusterPreset, GpuRequest, ImageFlavor, MlApp, Profile } from '../lib';
import { DRIVER_CHECK_PROGRAM } from '../lib/targets/kubernetes/pod-spec';
import { mlService, newApp } from './helpers/fixture';
import { k8sErrors, k8sObjects, parseStream, podTemplates, restrictedViolations } from './helpers/validate';

const NVIDIA_TAINT = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };
const DRIVER = { key: 'nvidia.com/cuda.driver-version.major', operator: 'Gt', values: ['549'] };

function gpuPod(cluster: ClusterPreset, extra: Record<string, unknown> = {}): any {
  const app = newApp({ builtInProfiles: false });
  Profile.cpu(app);
  new Profile(app, 'gpu', { flavor: ImageFlavor.CUDA, cluster, ...extra });
  mlService(app);
  const files = app.synthFiles();
  for (const { obj } of k8sObjects(files)) expect(k8sErrors(obj)).toEqual([]);
  for (const p of podTemplates(k8sObjects(files))) expect(restrictedViolations(p.spec)).toEqual([]);
  const cpu = parseStream(files.get('k8s/cpu/svc.yaml')!).find((o) => o.kind === 'Deployment').spec.template.spec;
  expect([cpu.tolerations, cpu.affinity, cpu.nodeSelector, cpu.initContainers]).toEqual([undefined, undefined, undefined, undefined]);
  return parseStream(files.get('k8s/gpu/svc.yaml')!).find((o) => o.kind === 'Deployment').spec.template.spec;
}

describe('cluster presets: what a GPU pod gets', () => {
  test('generic (the default): the nvidia.com/gpu toleration, driver fitness only preferred, nothing required', () => {
    const pod = gpuPod(ClusterPreset.generic());
    expect(pod.tolerations).toEqual([NVIDIA_TAINT]);
    expect(pod.nodeSelector).toBeUndefined();
    expect(pod.affinity.nodeAffinity).toEqual({ preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [DRIVER] } }] });
    expect(pod.runtimeClassName).toBeUndefined();
    expect(pod.initContainers).toBeUndefined();
  });

  test('the default profile preset is generic', () => {
    const app = newApp();
    mlService(app);
    const pod = parseStream(app.synthFiles().get('k8s/gpu/svc.yaml')!).find((o) => o.kind === 'Deployment').spec.template.spec;
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
  });

  test('GPU Operator: driver fitness and GPU model required on GFD labels, runtime class nvidia when asked', () => {
    const pod = gpuPod(ClusterPreset.gpuOperator({ runtimeClass: true }), { gpuProducts: ['NVIDIA-L4'] });
    expect(pod.tolerations).toEqual([NVIDIA_TAINT]);
    expect(pod.runtimeClassName).toBe('nvidia');
    expect(pod.affinity.nodeAffinity).toEqual({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [DRIVER, { key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-L4'] }] }] } });
  });

  test('GKE: the accelerator node selector, no toleration (GKE adds it), no GFD affinity required', () => {
    const pod = gpuPod(ClusterPreset.gke({ accelerator: 'nvidia-l4' }));
    expect(pod.nodeSelector).toEqual({ 'cloud.google.com/gke-accelerator': 'nvidia-l4' });
    expect(pod.tolerations).toBeUndefined();
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
  });

  test('EKS: the nvidia.com/gpu toleration; instance types and Karpenter GPU names required when given', () => {
    expect(gpuPod(ClusterPreset.eks()).affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
    const pod = gpuPod(ClusterPreset.eks({ instanceTypes: ['g6.xlarge', 'g6.2xlarge'], karpenterGpuNames: ['l4'] }));
    expect(pod.tolerations).toEqual([NVIDIA_TAINT]);
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([
      { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['g6.xlarge', 'g6.2xlarge'] },
      { key: 'karpenter.k8s.aws/instance-gpu-name', operator: 'In', values: ['l4'] },
    ]);
  });

  test('AKS: the sku=gpu:NoSchedule taint tolerated, the accelerator label preferred, the driver check as an init container', () => {
    const pod = gpuPod(ClusterPreset.aks({ driverCheck: true }));
    expect(pod.tolerations).toEqual([{ key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, NVIDIA_TAINT]);
    expect(pod.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution).toContainEqual({ weight: 100, preference: { matchExpressions: [{ key: 'kubernetes.azure.com/accelerator', operator: 'In', values: ['nvidia'] }] } });
    const [check] = pod.initContainers;
    expect(check).toMatchObject({ name: 'driver-check', image: pod.containers[0].image, command: ['python', '-c', DRIVER_CHECK_PROGRAM, '550'] });
    expect(check.resources.limits['nvidia.com/gpu']).toBe(1);
  });

  test('a preset of your own from the same parts', () => {
    const pod = gpuPod(ClusterPreset.custom({
      name: 'on-prem', tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoExecute' }],
      nodeSelector: { 'example.com/gpu-pool': 'a100' }, runtimeClassName: 'nvidia-cdi',
    }));
    expect(pod.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoExecute' }]);
    expect(pod.nodeSelector).toEqual({ 'example.com/gpu-pool': 'a100' });
    expect(pod.runtimeClassName).toBe('nvidia-cdi');
  });

  test.each([
    ['GFD selection on a preset without GFD labels', () => new Profile(newApp(), 'g', { flavor: ImageFlavor.CUDA, gpuProducts: ['NVIDIA-L4'] }), /whose nodes carry none/],
    ['GKE without an accelerator', () => new Profile(newApp(), 'g', { flavor: ImageFlavor.CUDA, cluster: ClusterPreset.gke({ accelerator: '' }) }), /has no value/],
    ['a driver check where GFD labels exist', () => new Profile(newApp(), 'g', { flavor: ImageFlavor.CUDA, cluster: ClusterPreset.custom({ name: 'x', gfdLabels: true, driverCheck: true }) }), /drop driverCheck/],
    ['a toleration with a bad effect', () => new Profile(newApp(), 'g', { flavor: ImageFlavor.CUDA, cluster: ClusterPreset.custom({ name: 'x', tolerations: [{ key: 'a', effect: 'Never' as any }] }) }), /'NoSchedule'/],
  ])('%s is refused', (_, declare, message) => {
    const profile = declare();
    expect(() => (profile.node.root as MlApp).synthFiles()).toThrow(message);
  });
});

describe('the driver check program', () => {
  // This machine has no GPU: a stand-in nvidia-smi prints a driver version, as the real one does with
  // --query-gpu=driver_version --format=csv,noheader, and the real program runs on it.
  function run(driver: string, need: number): { status: number; output: string } {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-smi-'));
    fs.writeFileSync(path.join(bin, 'nvidia-smi'), `#!/bin/sh\necho ${driver}\n`, { mode: 0o755 });
    try {
      return { status: 0, output: execFileSync('/usr/bin/python3', ['-c', DRIVER_CHECK_PROGRAM, String(need)], { encoding: 'utf8', stdio: 'pipe', env: { PATH: `${bin}:/usr/bin:/bin` } }) };
    } catch (e: any) {
      return { status: e.status, output: `${e.stdout}${e.stderr}` };
    }
  }

  test('passes on a driver new enough', () => {
    expect(run('550.54.14', 550)).toEqual({ status: 0, output: expect.stringContaining('driver check: NVIDIA driver 550.54 runs this image') });
  });

  test('fails fast with one clear line on an older driver', () => {
    expect(run('535.104.05', 550)).toEqual({ status: 1, output: expect.stringMatching(/^driver check: the node runs NVIDIA driver 535\.104, older than the 550 branch/) });
  });

  test('fails with a clear line where no driver is visible', () => {
    expect(run('', 550)).toEqual({ status: 1, output: expect.stringMatching(/no NVIDIA driver is visible/) });
  });
});

describe('apps/examples/clouds: a GKE and an AKS profile', () => {
  const files = clouds().synthFiles();

  test('each profile\'s GPU pod matches its preset, in the app\'s namespace', () => {
    const gke = parseStream(files.get('k8s/gke/detector.yaml')!).find((o) => o.kind === 'Deployment');
    expect(gke.spec.template.spec.nodeSelector).toEqual({ 'cloud.google.com/gke-accelerator': 'nvidia-l4' });
    expect(gke.spec.template.spec.tolerations).toBeUndefined();
    const aks = parseStream(files.get('k8s/aks/detector.yaml')!).find((o) => o.kind === 'Deployment');
    expect(aks.spec.template.spec.tolerations).toContainEqual({ key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' });
    expect(aks.spec.template.spec.initContainers.map((c: any) => c.name)).toEqual(['driver-check']);
    for (const { obj } of k8sObjects(files)) {
      expect(obj.metadata.namespace).toBe('vision');
      expect(k8sErrors(obj)).toEqual([]);
    }
    for (const p of podTemplates(k8sObjects(files))) expect(restrictedViolations(p.spec)).toEqual([]);
  });

  test('GPUs only where the profiles give them; Compose keeps cpu and dev', () => {
    expect(parseStream(files.get('k8s/cpu/detector.yaml')!).find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBeUndefined();
    expect(files.get('docker/docker-compose.ml.yml')).not.toMatch(/detector-(gke|aks)/);
    expect(GpuRequest.whole(1).count).toBe(1);
  });
});
