import * as fs from 'fs';
import * as path from 'path';
import {
  ClusterPreset, EnvValue, GpuRequest, ImageFlavor, ImageSource, MlApp, MlService, ModelSource, NetworkIsolationPolicy, PodDisruptionBudgetPolicy,
  Profile, Service, Size, StatefulService,
} from '../../lib';

/**
 * The second app the behaviour tests run on, beside the repository's stack: a GPU StatefulService autoscaled by KEDA
 * on a GKE profile (whose managed DCGM collection keeps the exporter's `pod` labels), models from endpoints outside
 * the app (S3 by host name with a declared egress range, and a MinIO by IP address, whose rule is derived), network
 * isolation, and a namespace that the tests move with a Kustomize overlay.
 */
export function statefulGpuApp(rootDir: string): MlApp {
  for (const s of ['ranker', 'embedder']) fs.mkdirSync(path.join(rootDir, 'services', s, 'app'), { recursive: true });
  const app = new MlApp({ name: 'ranking', rootDir, registry: 'registry.example.com/ranking', namespace: 'ranking' });
  new Profile(app, 'gke', { flavor: ImageFlavor.CUDA, cluster: ClusterPreset.gke({ accelerator: 'nvidia-l4' }) });
  app.addPolicy(new NetworkIsolationPolicy());
  app.addPolicy(new PodDisruptionBudgetPolicy());
  const s3Key = EnvValue.secretFile('s3-credentials', 'access-key');
  const s3Secret = EnvValue.secretFile('s3-credentials', 'secret-key');
  const ranker = new StatefulService(app, 'ranker', {
    image: ImageSource.mlBuild({ context: 'services/ranker', pipPackages: { 'prometheus-client': '0.21.0' } }),
    command: ['uvicorn', 'app.main:app', '--host', '0.0.0.0', '--port', '8000'],
    ports: [{ port: 8000 }],
    gpu: GpuRequest.whole(1),
    volumes: [{ name: 'models', path: '/app/models', size: Size.gibibytes(20) }],
    // S3 by host name: a NetworkPolicy selects addresses, so the region's range is declared (an example range here)
    model: ModelSource.s3({ bucket: 'models', prefix: 'ranker', endpoint: 'https://s3.eu-west-1.amazonaws.com', accessKey: s3Key, secretKey: s3Secret }),
    egress: [{ cidr: '52.218.0.0/17', port: 443 }],
    autoscaling: { minReplicas: 1, maxReplicas: 4, gpuUtilization: 80, inFlightRequests: { metric: 'ranker_in_flight_requests', perReplica: 8 } },
    metrics: { port: 8000 },
  });
  // an on-premises MinIO by address: its egress rule is derived from the URL
  const embedder = new MlService(app, 'embedder', {
    build: 'services/embedder',
    command: ['uvicorn', 'app.main:app', '--host', '0.0.0.0', '--port', '8000'],
    port: 8000,
    gpu: GpuRequest.none(),
    model: ModelSource.s3({ bucket: 'models', prefix: 'embedder', endpoint: 'http://10.40.0.10:9000', accessKey: s3Key, secretKey: s3Secret }),
  });
  new Service(app, 'gateway', {
    image: 'nginx:1.27',
    ports: [{ port: 8080, hostPort: 8080 }],
    ingressFrom: [{ namespaceLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }],
    dependsOn: [ranker, embedder],
  });
  return app;
}
