import {
  BaseImage, Cpu, Duration, EnvValue, GpuRequest, HealthCheck, ImageFlavor, ImageSource, Job, MlApp, MlAppProps, MlService, ModelSource, NetworkIsolationPolicy,
  PodDisruptionBudgetPolicy, PriorityClassPolicy, Service, Size, StatefulService, TopologySpreadPolicy,
} from '../lib';

/**
 * This repository's own stack (ADR-007): backend, tiling, and the stateful minio and postgres; the ML services
 * sk-regression (GPU in the gpu profile) and tile-classifier (CPU only) in the cpu, gpu and dev profiles; and
 * sk-regression's training, once on demand and nightly, on the same image, publishing to MinIO.
 */
export function buildStack(props: MlAppProps = {}): MlApp {
  // One namespace for the stack: GPU autoscaling queries Prometheus for the pods of this namespace (an overlay that
  // moves the objects lists dist/k8s/<profile>/namespace-scope under transformers:, README "Kustomize overlays").
  const app = new MlApp({ name: 'geo', registry: 'ghcr.io/acme-geo', namespace: 'geo', ...props });
  // Base images as a versioned matrix (ADR-007): the built-in torch 2.4 versions (ml-base-cpu:2.4-py3.10,
  // ml-base-cuda:2.4-cuda12.4) and torch 2.5 beside them. Each service pins one; a base upgrade moves one service at
  // a time (README, "Rolling out a base image").
  new BaseImage(app, 'ml-base-cpu-2-5', { flavor: ImageFlavor.CPU, torch: '2.5', python: '3.11', constraints: 'constraints/torch-2.5-cpu.txt' });
  new BaseImage(app, 'ml-base-cuda-2-5', { flavor: ImageFlavor.CUDA, torch: '2.5', cuda: '12.4' });
  // Production Kubernetes: budgets where replicas >= 2, replicas spread over nodes, GPU pods first in line, and every
  // workload isolated to the edges of the dependency graph (in Compose too, where it can be expressed).
  app.addPolicy(new PodDisruptionBudgetPolicy());
  app.addPolicy(new TopologySpreadPolicy());
  app.addPolicy(PriorityClassPolicy.gpuPreset());
  app.addPolicy(new NetworkIsolationPolicy());
  app.addManifest('gpu', {
    apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'gpu-inference' }, value: 100000,
    globalDefault: false, description: 'GPU inference services: preempt batch work rather than wait for a GPU.',
  });

  const postgres = new StatefulService(app, 'postgres', {
    image: 'postgres:16.4-bookworm',
    component: 'database',
    user: 999, // the postgres user of the official image, which owns its data directory
    ports: [{ port: 5432, name: 'postgres' }],
    env: {
      POSTGRES_USER: 'geo',
      POSTGRES_DB: 'geo',
      POSTGRES_PASSWORD_FILE: EnvValue.secretFile('postgres-credentials', 'password'),
      // a subfolder, since a fresh volume's root may hold lost+found
      PGDATA: '/var/lib/postgresql/data/pgdata',
    },
    volumes: [{ name: 'data', path: '/var/lib/postgresql/data', size: Size.gibibytes(20) }],
    writablePaths: ['/var/run/postgresql'],
    cpuRequest: Cpu.millis(250),
    cpuLimit: Cpu.units(2),
    memoryRequest: Size.mebibytes(512),
    memoryLimit: Size.gibibytes(2),
    shmSize: Size.mebibytes(256),
    healthCheck: HealthCheck.command(['pg_isready', '-h', '127.0.0.1', '-U', 'geo', '-d', 'geo'], { startupTimeout: Duration.minutes(2) }),
  });

  const minio = new StatefulService(app, 'minio', {
    image: 'minio/minio:RELEASE.2024-10-13T13-34-11Z',
    component: 'object-store',
    user: 1000,
    command: ['server', '/data', '--console-address', ':9001'],
    ports: [{ port: 9000, hostPort: 9000, name: 'api' }, { port: 9001, hostPort: 9001, name: 'console' }],
    env: {
      MINIO_ROOT_USER_FILE: EnvValue.secretFile('minio-credentials', 'root-user'),
      MINIO_ROOT_PASSWORD_FILE: EnvValue.secretFile('minio-credentials', 'root-password'),
    },
    volumes: [{ name: 'data', path: '/data', size: Size.gibibytes(50) }],
    cpuRequest: Cpu.millis(250),
    cpuLimit: Cpu.units(1),
    memoryRequest: Size.mebibytes(512),
    memoryLimit: Size.gibibytes(1),
    healthCheck: HealthCheck.http('/minio/health/live', { port: 9000, startupTimeout: Duration.minutes(2) }),
  });

  const tiling = new Service(app, 'tiling', {
    image: 'ghcr.io/acme-geo/tiling:1.4.0',
    component: 'tiling',
    ports: [{ port: 8090, hostPort: 8090 }],
    env: {
      MINIO_ENDPOINT: 'minio:9000',
      MINIO_ACCESS_KEY_FILE: EnvValue.secretFile('minio-credentials', 'root-user'),
      MINIO_SECRET_KEY_FILE: EnvValue.secretFile('minio-credentials', 'root-password'),
    },
    healthCheck: HealthCheck.http('/health'),
    dependsOn: [minio],
  });

  const minioUser = EnvValue.secretFile('minio-credentials', 'root-user');
  const minioPassword = EnvValue.secretFile('minio-credentials', 'root-password');
  const skRegression = new MlService(app, 'sk-regression', {
    build: 'services/sk-regression',
    // app.serve runs uvicorn with a graceful shutdown bounded by SHUTDOWN_TIMEOUT_SECONDS (from `drain`)
    command: ['python', '-m', 'app.serve', '--host', '0.0.0.0', '--port', '8000'],
    devCommand: ['python', '-m', 'app.serve', '--host', '0.0.0.0', '--port', '8000', '--reload'],
    port: 8000,
    pipPackages: { 'scikit-learn': '1.5.2', 'prometheus-client': '0.21.0' },
    base: { torch: '2.4' },
    compatible: { torch: '>=2.4 <2.6' },
    // two replicas at least (Compose runs two), up to six: on CPU in the cpu profile (HPA), on GPU utilisation and
    // in-flight requests in the gpu profile (KEDA); each replica fetches its own copy of the model
    autoscaling: {
      minReplicas: 2, maxReplicas: 6, cpuUtilization: 70, gpuUtilization: 70,
      inFlightRequests: { metric: 'sk_regression_in_flight_requests', perReplica: 4 },
    },
    metrics: { port: 8000, path: '/metrics' },
    // the newest complete version published under s3://models/sk-regression/ is fetched before the server starts;
    // until training has published one, the service trains a small model of its own (MODEL_BOOTSTRAP)
    model: ModelSource.s3({ bucket: 'models', prefix: 'sk-regression', endpoint: minio, accessKey: minioUser, secretKey: minioPassword, allowMissing: true }),
    drain: { longestRequest: Duration.seconds(20), preStop: Duration.seconds(5) },
    env: {
      MODEL_DIR: '/app/models',
      MODEL_BOOTSTRAP: 'synthetic',
      MINIO_ENDPOINT: 'minio:9000',
      MINIO_ACCESS_KEY_FILE: EnvValue.secretFile('minio-credentials', 'root-user'),
      MINIO_SECRET_KEY_FILE: EnvValue.secretFile('minio-credentials', 'root-password'),
      DATABASE_URL: 'postgresql://geo@postgres:5432/geo',
      DATABASE_PASSWORD_FILE: EnvValue.secretFile('postgres-credentials', 'password'),
    },
    cpuRequest: Cpu.millis(500),
    cpuLimit: Cpu.units(2),
    memoryRequest: Size.gibibytes(2),
    memoryLimit: Size.gibibytes(4),
    shmSize: Size.gibibytes(1),
    modelVolumeSize: Size.gibibytes(10),
    gpu: GpuRequest.whole(1),
    dependsOn: [minio, postgres],
  });

  // Training on sk-regression's own image (so the same ML base, cpu or cuda by profile, and the same GPU request):
  // it reads a CSV from MinIO, trains, and publishes a version that sk-regression's fetch takes on its next start.
  const training = {
    image: ImageSource.of(skRegression),
    command: ['python', '-m', 'app.train', '--endpoint', 'http://minio:9000', '--bucket', 'models', '--prefix', 'sk-regression', '--data', 's3://models/data/sk-regression.csv'],
    env: { AWS_ACCESS_KEY_ID_FILE: minioUser, AWS_SECRET_ACCESS_KEY_FILE: minioPassword },
    gpu: GpuRequest.whole(1),
    cpuRequest: Cpu.millis(500),
    cpuLimit: Cpu.units(2),
    memoryRequest: Size.gibibytes(1),
    memoryLimit: Size.gibibytes(4),
    shmSize: Size.gibibytes(1),
    component: 'training',
    backoffLimit: 2,
    activeDeadline: Duration.hours(1),
    ttlAfterFinished: Duration.days(1),
    dependsOn: [minio],
  };
  new Job(app, 'sk-regression-train', training);
  new Job(app, 'sk-regression-retrain', { ...training, schedule: '0 3 * * *' });

  // A CPU-only ML service beside the GPU one: it runs in every profile, on the profile's base image, never with a GPU.
  // It depends on sk-regression, so each of its Compose variants waits for sk-regression's variant of that profile.
  new MlService(app, 'tile-classifier', {
    build: 'services/tile-classifier',
    base: { torch: '2.5' },
    command: ['uvicorn', 'app.main:app', '--host', '0.0.0.0', '--port', '8000'],
    pipPackages: { 'scikit-learn': '1.5.2' },
    gpu: GpuRequest.none(),
    cpuRequest: Cpu.millis(250),
    cpuLimit: Cpu.units(1),
    memoryRequest: Size.mebibytes(512),
    memoryLimit: Size.gibibytes(1),
    shmSize: Size.mebibytes(256),
    modelVolumeSize: Size.gibibytes(1),
    env: { SK_REGRESSION_URL: 'http://sk-regression:8000' },
    dependsOn: [skRegression],
  });

  new Service(app, 'backend', {
    image: 'ghcr.io/acme-geo/backend:2.3.1',
    component: 'api',
    ports: [{ port: 8080, hostPort: 8080 }],
    // the one entry point from outside: the ingress controller reaches the published port
    ingressFrom: [{ namespaceLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }],
    env: {
      DATABASE_URL: 'postgresql://geo@postgres:5432/geo',
      DATABASE_PASSWORD_FILE: EnvValue.secretFile('postgres-credentials', 'password'),
      MINIO_ENDPOINT: 'minio:9000',
      MINIO_ACCESS_KEY_FILE: EnvValue.secretFile('minio-credentials', 'root-user'),
      MINIO_SECRET_KEY_FILE: EnvValue.secretFile('minio-credentials', 'root-password'),
      TILING_URL: 'http://tiling:8090',
      SK_REGRESSION_URL: 'http://sk-regression:8000',
    },
    cpuRequest: Cpu.millis(250),
    cpuLimit: Cpu.units(1),
    memoryRequest: Size.mebibytes(256),
    memoryLimit: Size.mebibytes(1024),
    healthCheck: HealthCheck.http('/health'),
    // it calls sk-regression, so it depends on it: that gives it a variant per profile (backend-cpu waits for
    // sk-regression-cpu) and lets the network isolation allow the edge
    dependsOn: [postgres, minio, tiling, skRegression],
  });

  return app;
}
