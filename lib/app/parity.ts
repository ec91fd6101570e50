import { COMPOSE_BASE_FILE, COMPOSE_ML_FILE } from '../targets/compose';
import { K8S_DIR } from '../targets/kubernetes';
import { SHM_DIR } from '../model/paths';

/** One way a service's Compose form and Kubernetes form disagree. */
export interface ParityDifference {
  /** The service name. */
  readonly service: string;
  /** The profile name. */
  readonly profile: string;
  /** What differs: image, command, env, ports, mounts, shm, gpus. */
  readonly field: string;
  /** The Compose side's value, as JSON. */
  readonly compose: string;
  /** The Kubernetes side's value, as JSON. */
  readonly kubernetes: string;
  /** Set when the difference is by design and documented; the reason. */
  readonly expected?: string;
}

/**
 * Compares, for every service and profile rendered in both runtimes, the Compose service with the Kubernetes
 * workload: image, command, environment variable names, container ports, mounted paths, shared memory and GPU count.
 * It reads the rendered files, not the declaration, so it checks what users actually run.
 *
 * @param files the output of `MlApp.synthFiles()` (or the files of dist/, relative to it)
 * @returns every difference, by service, profile and field; empty when both runtimes agree
 */
export function checkParity(files: Map<string, string>): ParityDifference[] {
  // yaml is loaded here, not at the top: synth never needs it, and it is the largest module the library would load.
  const { parse, parseAllDocuments } = require('yaml') as typeof import('yaml');
  const base = parse(files.get(COMPOSE_BASE_FILE) ?? 'services: {}').services ?? {};
  const ml = parse(files.get(COMPOSE_ML_FILE) ?? 'services: {}').services ?? {};
  const diffs: ParityDifference[] = [];
  for (const [file, text] of files) {
    const m = new RegExp(`^${K8S_DIR}/([^/]+)/([^/]+)\\.yaml$`).exec(file);
    if (!m) continue;
    const [, profile, service] = m;
    const docs = parseAllDocuments(text).map((d) => d.toJSON());
    const deployment = docs.find((d) => ['Deployment', 'StatefulSet', 'Job', 'CronJob'].includes(d?.kind));
    if (!deployment) continue;
    const composeService = ml[`${service}-${profile}`] ?? base[service];
    const pod = deployment.kind === 'CronJob' ? deployment.spec.jobTemplate.spec.template.spec : deployment.spec.template.spec;
    if (!composeService) {
      diffs.push({ service, profile, field: 'presence', compose: 'missing', kubernetes: deployment.kind });
      continue;
    }
    diffs.push(...compare(service, profile, composeService, pod, deployment));
    diffs.push(...compareProduction(service, profile, composeService, docs, deployment));
    diffs.push(...compareFetch(service, profile, ml[`${service}-fetch-${profile}`] ?? base[`${service}-fetch`], pod));
  }
  diffs.push(...compareScrapeTargets(files, parse, parseAllDocuments));
  return diffs;
}

/** Replicas, autoscaling and network isolation of one workload. */
function compareProduction(service: string, profile: string, c: any, docs: any[], controller: any): ParityDifference[] {
  const out: ParityDifference[] = [];
  const push = (field: string, compose: unknown, kubernetes: unknown, expected?: string) => {
    const a = JSON.stringify(compose ?? null);
    const b = JSON.stringify(kubernetes ?? null);
    if (a !== b || expected) out.push({ service, profile, field, compose: a, kubernetes: b, ...(expected ? { expected } : {}) });
  };
  const scaler = docs.find((d) => d?.kind === 'HorizontalPodAutoscaler' || d?.kind === 'ScaledObject');
  const range = !scaler ? undefined : scaler.kind === 'ScaledObject' ? [scaler.spec.minReplicaCount, scaler.spec.maxReplicaCount] : [scaler.spec.minReplicas, scaler.spec.maxReplicas];
  // an autoscaled controller holds no count: its autoscaler's minimum is what Kubernetes runs at least
  const least = controller.spec.replicas ?? range?.[0] ?? 1;
  if (['Deployment', 'StatefulSet'].includes(controller.kind) && (c.deploy?.replicas ?? 1) !== least) {
    push('replicas', c.deploy?.replicas ?? 1, least);
  }
  if (scaler && range) {
    push('autoscaling', `fixed ${c.deploy?.replicas ?? 1}`, `${scaler.kind} ${range[0]}..${range[1]}`, 'Compose does not autoscale: it runs the minimum number of replicas');
  }
  const policy = docs.find((d) => d?.kind === 'NetworkPolicy');
  if (policy) {
    const instance = (peer: any) => peer?.podSelector?.matchLabels?.['app.kubernetes.io/instance'];
    const k8sEdges = (policy.spec.egress ?? []).flatMap((e: any) => (e.to ?? []).map(instance)).filter((x: any) => x && !x.startsWith('kube-')).sort();
    const composeEdges = Object.keys(c.networks ?? {}).filter((n) => n.startsWith('net-') && n !== `net-${service}`).map((n) => n.slice(4)).sort();
    push('network edges', composeEdges, k8sEdges);
    push('egress', 'networks per dependency (the internet stays reachable)', 'DNS, dependencies and declared endpoints only',
      'Compose isolates by network only: it cannot restrict egress to DNS and declared endpoints, nor name who reaches a published port');
  }
  return out;
}

/** The Compose Prometheus scrapes exactly what the Kubernetes monitors (or scrape annotations) select. */
function compareScrapeTargets(files: Map<string, string>, parse: (t: string) => any, parseAllDocuments: (t: string) => any[]): ParityDifference[] {
  const config = files.get('docker/prometheus/prometheus.yml');
  const compose = config ? (parse(config).scrape_configs ?? [])
    .filter((s: any) => s.job_name !== 'dcgm-exporter')
    .map((s: any) => `${s.static_configs[0].targets[0]}${s.metrics_path}`).sort() : [];
  const byProfile = new Map<string, string[]>();
  for (const [file, text] of files) {
    const m = new RegExp(`^${K8S_DIR}/([^/]+)/[^/]+\\.yaml$`).exec(file);
    if (!m) continue;
    const docs = parseAllDocuments(text).map((d: any) => d.toJSON()).filter(Boolean);
    const targets = byProfile.get(m[1]) ?? [];
    for (const monitor of docs.filter((d: any) => d.kind === 'ServiceMonitor')) {
      const svc = docs.find((d: any) => d.kind === 'Service' && Object.entries<string>(monitor.spec.selector.matchLabels).every(([k, v]) => d.metadata.labels?.[k] === v));
      for (const e of monitor.spec.endpoints) {
        const port = svc?.spec.ports.find((p: any) => p.name === e.port)?.port;
        targets.push(`${svc?.metadata.name}:${port}${e.path ?? '/metrics'}`);
      }
    }
    for (const d of docs.filter((x: any) => x.spec?.template?.metadata?.annotations?.['prometheus.io/scrape'] === 'true')) {
      const a = d.spec.template.metadata.annotations;
      targets.push(`${d.metadata.name}:${a['prometheus.io/port']}${a['prometheus.io/path']}`);
    }
    byProfile.set(m[1], targets);
  }
  const out: ParityDifference[] = [];
  for (const [profile, targets] of byProfile) {
    const k8s = [...targets].sort();
    if (JSON.stringify(k8s) !== JSON.stringify(compose)) out.push({ service: '*', profile, field: 'scrape targets', compose: JSON.stringify(compose), kubernetes: JSON.stringify(k8s) });
  }
  return out;
}

function compare(service: string, profile: string, c: any, pod: any, controller: any): ParityDifference[] {
  const k = pod.containers[0];
  const out: ParityDifference[] = [];
  const check = (field: string, compose: unknown, kubernetes: unknown, expected?: string) => {
    const a = JSON.stringify(compose ?? null);
    const b = JSON.stringify(kubernetes ?? null);
    if (a !== b) out.push({ service, profile, field, compose: a, kubernetes: b, ...(expected ? { expected } : {}) });
  };
  check('image', c.image, k.image);
  // Each runtime escapes '$' its own way ($$ in both); compare what the process receives.
  check('command', unescape(c.command), unescape(k.args));
  check('env', Object.keys(c.environment ?? {}).sort(), (k.env ?? []).map((e: any) => e.name).sort());
  check('env values', Object.fromEntries(Object.entries<string>(c.environment ?? {}).map(([n, v]) => [n, unescape(v)]).sort()),
    Object.fromEntries((k.env ?? []).map((e: any) => [e.name, unescape(e.value)]).sort()));
  const oneShot = ['Job', 'CronJob'].includes(controller.kind);
  check('one-shot', c.restart === 'no', oneShot);
  // Drain: the same grace in both runtimes, and room in it for the preStop pause and the server's own timeout.
  const grace = c.stop_grace_period !== undefined ? seconds(c.stop_grace_period) : null;
  check('grace period', grace, pod.terminationGracePeriodSeconds ?? null);
  const timeout = Number(c.environment?.SHUTDOWN_TIMEOUT_SECONDS ?? 0);
  const preStop = Number(k.lifecycle?.preStop?.exec?.command?.[0] === 'sleep' ? k.lifecycle.preStop.exec.command[1] : 0);
  if (grace !== null && grace < timeout + preStop) check('grace covers preStop and server timeout', grace, `${preStop} + ${timeout}`);
  const probePath = (p: any) => p?.httpGet?.path ?? null;
  const composeProbe = Array.isArray(c.healthcheck?.test) ? String(c.healthcheck.test[c.healthcheck.test.length - 1]) : '';
  if (probePath(k.readinessProbe)) check('readiness path', composeProbe.endsWith(probePath(k.readinessProbe)) ? probePath(k.readinessProbe) : composeProbe, probePath(k.readinessProbe));
  check('ports', [...new Set([...(c.expose ?? []).map(Number), ...(c.ports ?? []).map((p: any) => p.target)])].sort(numeric),
    (k.ports ?? []).map((p: any) => p.containerPort).sort(numeric));
  check('mounts', composeMounts(c).sort(), k8sMounts(pod, k).sort());
  const shmVolume = (pod.volumes ?? []).find((v: any) => v.emptyDir?.medium === 'Memory'
    && (k.volumeMounts ?? []).some((m: any) => m.name === v.name && m.mountPath === SHM_DIR));
  check('shm', c.shm_size ? mebibytes(c.shm_size) : null, shmVolume?.emptyDir?.sizeLimit ? mebibytes(shmVolume.emptyDir.sizeLimit) : null);

  const devices = c.deploy?.resources?.reservations?.devices ?? [];
  const composeGpus = devices.reduce((n: number, d: any) => n + (d.device_ids?.length ?? d.count ?? 0), 0);
  const gpuLimits = Object.entries<number>(k.resources?.limits ?? {}).filter(([name]) => name.startsWith('nvidia.com/'));
  const k8sGpus = gpuLimits.reduce((n, [, v]) => n + Number(v), 0);
  const timeSliced = gpuLimits.some(([name]) => name !== 'nvidia.com/gpu' && !name.startsWith('nvidia.com/mig-'));
  check('gpus', composeGpus, k8sGpus, timeSliced && composeGpus === 1
    ? 'time-sliced GPU: Docker does not time-slice, so Compose reserves one shared device for any number of replicas'
    : undefined);
  return out;
}

/** The model fetch: a one-shot Compose service and an init container, with the same command and variables. */
function compareFetch(service: string, profile: string, c: any, pod: any): ParityDifference[] {
  const init = (pod.initContainers ?? []).find((x: any) => x.name === 'model-fetch');
  if (!c && !init) return [];
  const out: ParityDifference[] = [];
  const check = (field: string, compose: unknown, kubernetes: unknown) => {
    const a = JSON.stringify(compose ?? null);
    const b = JSON.stringify(kubernetes ?? null);
    if (a !== b) out.push({ service, profile, field, compose: a, kubernetes: b });
  };
  check('model fetch', c !== undefined, init !== undefined);
  if (c && init) {
    check('model fetch command', unescape(c.command), unescape(init.command));
    check('model fetch env', Object.keys(c.environment ?? {}).sort(), (init.env ?? []).map((e: any) => e.name).sort());
  }
  return out;
}

/** Seconds of a Compose duration such as `30s`, `1m30s`; NaN when it is not one. */
function seconds(d: unknown): number {
  if (typeof d !== 'string') return NaN;
  const m = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?$/.exec(d);
  return m && d ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) : NaN;
}

function composeMounts(c: any): string[] {
  return [
    ...(c.volumes ?? []).map((v: any) => (typeof v === 'string' ? v.split(':')[1] : v.target)),
    ...(c.tmpfs ?? []).map((t: string) => t.split(':')[0]),
    ...(c.secrets ?? []).map((s: any) => (typeof s === 'string' ? `/run/secrets/${s}` : s.target?.startsWith('/') ? s.target : `/run/secrets/${s.target ?? s.source}`)),
    ...(c.shm_size ? [SHM_DIR] : []),
  ];
}

function k8sMounts(pod: any, k: any): string[] {
  const volumes = new Map((pod.volumes ?? []).map((v: any) => [v.name, v]));
  return (k.volumeMounts ?? []).flatMap((m: any) => {
    const v: any = volumes.get(m.name);
    // A StatefulSet mounts claim templates, which are not pod volumes.
    if (!v) return [m.mountPath];
    // A projected Secret volume stands for its files, which is what Compose's `secrets:` mounts one by one.
    if (v?.projected) return v.projected.sources.flatMap((s: any) => (s.secret?.items ?? []).map((i: any) => `${m.mountPath}/${i.path}`));
    return [m.mountPath];
  });
}

const UNITS: Record<string, number> = { k: 1 / 1024, m: 1, g: 1024, ki: 1 / 1024, mi: 1, gi: 1024, t: 1024 * 1024, ti: 1024 * 1024 };

function mebibytes(size: string | number): number {
  if (typeof size === 'number') return size / (1024 * 1024);
  const m = /^([0-9.]+)\s*([a-zA-Z]*)$/.exec(size);
  if (!m) return NaN;
  const unit = m[2].toLowerCase().replace(/b$/, '');
  return unit === '' ? Number(m[1]) / (1024 * 1024) : Number(m[1]) * (UNITS[unit] ?? NaN);
}

/** What a process sees of a value both runtimes read with `$$` as `$`. */
function unescape(v: any): any {
  if (typeof v === 'string') return v.replace(/\$\$/g, '$');
  if (Array.isArray(v)) return v.map(unescape);
  return v;
}

function numeric(a: number, b: number): number {
  return a - b;
}
