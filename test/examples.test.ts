import { cpuOnly } from '../apps/examples/cpu-only/app';
import { multiGpu } from '../apps/examples/multi-gpu/app';
import { checkParity } from '../lib';
import { composeErrors, k8sErrors, k8sObjects, parseStream, parseYaml, podTemplates, restrictedViolations } from './helpers/validate';

function validateAll(files: Map<string, string>): void {
  for (const f of ['docker/docker-compose.base.yml', 'docker/docker-compose.ml.yml']) expect({ f, errors: composeErrors(parseYaml(files.get(f)!)) }).toEqual({ f, errors: [] });
  for (const { file, obj } of k8sObjects(files)) expect({ file, errors: k8sErrors(obj) }).toEqual({ file, errors: [] });
  for (const p of podTemplates(k8sObjects(files))) expect({ file: p.file, v: restrictedViolations(p.spec) }).toEqual({ file: p.file, v: [] });
  expect(checkParity(files).filter((d) => !d.expected)).toEqual([]);
}

describe('apps/examples', () => {
  test('cpu-only synthesizes, validates, and asks for no GPU anywhere', () => {
    const files = cpuOnly().synthFiles();
    validateAll(files);
    expect([...files.keys()].filter((f) => f.startsWith('k8s/'))).toEqual(['k8s/cpu/kustomization.yaml', 'k8s/cpu/text-classifier.yaml']);
    expect([...files.values()].join('\n')).not.toMatch(/nvidia\.com\/gpu|driver: nvidia/);
    expect(Object.keys(parseYaml(files.get('docker/docker-compose.ml.yml')!).services)).toEqual(['text-classifier-cpu']);
  });

  test('multi-gpu synthesizes, validates, and its gpu-large profile takes two GPUs in both runtimes', () => {
    const files = multiGpu().synthFiles();
    validateAll(files);
    const d = parseStream(files.get('k8s/gpu-large/image-embedding.yaml')!).find((o) => o.kind === 'Deployment');
    expect(d.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(2);
    expect(d.spec.template.spec.runtimeClassName).toBe('nvidia');
    expect(d.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0])
      .toEqual({ key: 'nvidia.com/cuda.driver-version.major', operator: 'Gt', values: ['529'] });
    const svc = parseYaml(files.get('docker/docker-compose.ml.yml')!).services['image-embedding-gpu-large'];
    expect(svc.deploy.resources.reservations.devices).toEqual([{ driver: 'nvidia', count: 2, capabilities: ['gpu'] }]);
    expect(svc.build.args.BASE_IMAGE).toBe('registry.example.com/vision/ml-base-cuda:2.4-cuda12.1');
    const gpu = parseStream(files.get('k8s/gpu/image-embedding.yaml')!).find((o) => o.kind === 'Deployment');
    expect(gpu.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
  });
});
