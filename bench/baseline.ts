/*
 * The baseline of the benchmark: what a team writes without cdk8s-ml. The Kubernetes objects of the bench's N ML
 * services are built with plain cdk8s-plus-28 (L2 constructs, plus the JSON patches for what L2 cannot say: the
 * GPU limit, named target ports, quantities in Gi, and the L2 defaults the library does not write), turned into JSON
 * by cdk8s (one chart per profile) and written with cdk8s's own YAML writer, one file per service and profile. The
 * files that are not Kubernetes objects (Compose, Dockerfiles, bake, workflow) come from the floor's templates. The benchmark checks
 * that the baseline's tree equals the library's byte for byte.
 */
import { ApiObject, App, Chart, Duration, JsonPatch, Size, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { fileWriter, floorFiles } from './floor';

const { IntOrString, Quantity } = kplus.k8s;

const PROFILES = {
  cpu: { tag: '0.1.0-2.4-py3.10', gpu: false },
  gpu: { tag: '0.1.0-2.4-cuda12.4', gpu: true },
} as const;

function labels(name: string, profile: keyof typeof PROFILES): Record<string, string> {
  return {
    'app.kubernetes.io/component': 'ml-service',
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/managed-by': 'cdk8s-ml',
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/part-of': 'bench',
    'app.kubernetes.io/version': PROFILES[profile].tag,
    'cdk8s-ml/profile': profile,
  };
}

/** The objects of one service in one profile, as cdk8s-plus-28 builds them. */
function serviceObjects(chart: Chart, name: string, profile: keyof typeof PROFILES): void {
  const meta = { name, labels: labels(name, profile) };
  const selector = { 'app.kubernetes.io/instance': name, 'app.kubernetes.io/name': name };
  const claim = new kplus.PersistentVolumeClaim(chart, `${name}-models`, {
    metadata: { ...meta, name: `${name}-models` }, storage: Size.gibibytes(10), accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
  });
  const user = { ensureNonRoot: true, user: 10001, group: 10001 };
  const deployment = new kplus.Deployment(chart, name, {
    metadata: meta, podMetadata: { labels: meta.labels }, select: false, replicas: 1, strategy: kplus.DeploymentStrategy.recreate(),
    automountServiceAccountToken: false, securityContext: { ...user, fsGroup: 10001 },
  });
  deployment.select(kplus.LabelSelector.of({ labels: selector }));
  const probe = (p: string, failureThreshold: number) => kplus.Probe.fromHttpGet(p, { port: 8000, failureThreshold, periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5) });
  const container = deployment.addContainer({
    name, image: `${name}:${PROFILES[profile].tag}`, args: ['uvicorn', 'app.main:app'], imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    ports: [{ number: 8000, name: 'http', protocol: kplus.Protocol.TCP }],
    resources: { cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.units(2) }, memory: { request: Size.gibibytes(2), limit: Size.gibibytes(4) } },
    liveness: probe('/livez', 3), readiness: probe('/readyz', 3), startup: probe('/readyz', 60),
    securityContext: { ...user, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
  });
  const env: Array<[string, string]> = [['HOME', '/cache'], ['XDG_CACHE_HOME', '/cache'], ['TORCH_HOME', '/cache/torch'], ['OMP_NUM_THREADS', '2'], ['MKL_NUM_THREADS', '2']];
  if (!PROFILES[profile].gpu) env.push(['NVIDIA_VISIBLE_DEVICES', 'void']);
  for (const [k, v] of env) container.env.addVariable(k, kplus.EnvValue.fromValue(v));
  container.mount('/app/models', kplus.Volume.fromPersistentVolumeClaim(chart, `${name}-data`, claim, { name: 'data-0', readOnly: false }), { readOnly: false });
  container.mount('/tmp', kplus.Volume.fromEmptyDir(chart, `${name}-scratch-0`, 'scratch-0'));
  container.mount('/cache', kplus.Volume.fromEmptyDir(chart, `${name}-scratch-1`, 'scratch-1'));
  container.mount('/dev/shm', kplus.Volume.fromEmptyDir(chart, `${name}-shm`, 'shm', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.gibibytes(1) }));
  if (PROFILES[profile].gpu) {
    deployment.scheduling.attract(kplus.Node.labeled(kplus.NodeLabelQuery.gt('nvidia.com/cuda.driver-version.major', ['549'])), { weight: 50 });
    deployment.scheduling.tolerate(kplus.Node.tainted(kplus.NodeTaintQuery.exists('nvidia.com/gpu', { effect: kplus.TaintEffect.NO_SCHEDULE })));
  }
  const service = new kplus.Service(chart, `${name}-service`, { metadata: meta, ports: [{ name: 'http', port: 8000, protocol: kplus.Protocol.TCP }] });
  for (const [k, v] of Object.entries(selector)) service.selectLabel(k, v);
  patch(claim, deployment, service, profile);
}

/** What L2 cannot say, and the L2 defaults the library does not write. */
function patch(claim: kplus.PersistentVolumeClaim, deployment: kplus.Deployment, service: kplus.Service, profile: keyof typeof PROFILES): void {
  ApiObject.of(claim).addJsonPatch(JsonPatch.remove('/spec/volumeMode'));
  const pod = '/spec/template/spec';
  const c = `${pod}/containers/0`;
  ApiObject.of(deployment).addJsonPatch(
    JsonPatch.remove('/spec/minReadySeconds'), JsonPatch.remove('/spec/progressDeadlineSeconds'),
    JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
    ...['livenessProbe', 'readinessProbe', 'startupProbe'].map((p) => JsonPatch.remove(`${c}/${p}/httpGet/scheme`)),
    // L2 writes memory in Mi. Patches apply to the L1 props, before their JSON conversion: quantities are objects.
    JsonPatch.replace(`${c}/resources/limits/memory`, Quantity.fromString('4Gi')), JsonPatch.replace(`${c}/resources/requests/memory`, Quantity.fromString('2Gi')),
    JsonPatch.remove(`${c}/securityContext/privileged`), JsonPatch.add(`${c}/securityContext/capabilities`, { drop: ['ALL'] }),
    JsonPatch.add(`${c}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }),
    ...['dnsPolicy', 'hostNetwork', 'restartPolicy', 'setHostnameAsFqdn', 'terminationGracePeriodSeconds', 'securityContext/fsGroupChangePolicy'].map((f) => JsonPatch.remove(`${pod}/${f}`)),
    JsonPatch.add(`${pod}/enableServiceLinks`, false), JsonPatch.add(`${pod}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }),
    JsonPatch.replace(`${pod}/volumes/3/emptyDir/sizeLimit`, Quantity.fromString('1Gi')),
  );
  if (PROFILES[profile].gpu) {
    ApiObject.of(deployment).addJsonPatch(
      // L2 has no extended resources
      JsonPatch.add(`${c}/resources/limits/nvidia.com~1gpu`, Quantity.fromNumber(1)),
    );
  }
  ApiObject.of(service).addJsonPatch(JsonPatch.remove('/spec/externalIPs'), JsonPatch.add('/spec/ports/0/targetPort', IntOrString.fromString('http')));
}

/** Builds and writes the baseline's tree under `dir`. */
export function writeBaseline(dir: string, n: number, fetcher: string): void {
  const write = fileWriter(dir);
  for (const [f, content] of floorFiles(n, fetcher)) if (!f.startsWith('k8s/') || f.endsWith('/kustomization.yaml')) write(f, content);
  const app = new App({ outdir: dir });
  for (const profile of Object.keys(PROFILES) as Array<keyof typeof PROFILES>) {
    // One chart per profile: Chart.toJson() validates the whole app, so a chart per file would cost N^2.
    const chart = new Chart(app, profile, { disableResourceNameHashes: true });
    for (let i = 0; i < n; i++) serviceObjects(chart, `svc-${i}`, profile);
    const byService = new Map<string, unknown[]>();
    for (const o of chart.toJson()) {
      const name = o.metadata.labels['app.kubernetes.io/instance'];
      if (!byService.has(name)) byService.set(name, []);
      byService.get(name)!.push(o);
    }
    for (const [name, objects] of byService) {
      write(`k8s/${profile}/${name}.yaml`, `# Generated by cdk8s-ml: ${name} (profile ${profile}). Do not edit; change the declaration and run \`npm run synth\`.\n${Yaml.stringify(...objects)}`);
    }
  }
}
