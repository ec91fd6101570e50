/*
 * A workload in one profile: what its variants share (resolved once) and each variant.
 */

import * as path from 'path';
import { minDriverMajor } from '../values/cuda-driver';
import { pathOf, show } from '../internal/errors';
import { HealthCheckKind } from '../values/health-check';
import type { AppDeclaration, AppSettings } from './app-declaration';
import type { Profile } from '../declaration/profile';
import { Dependency } from '../declaration/workloads/dependency';
import { Workload, portName } from '../declaration/workloads/workload';
import { CACHE_DIR, MODELS_DIR, TMP_DIR } from '../model/paths';
import { modelEgress } from './model-egress';
import { ResolvedBaseImage, ResolvedContainer, ResolvedWorkload } from '../model/model';
import type { Report } from './report';
import { dedupe } from './checks';
import { managedEnv, resolveEnv } from './environment';
import { DEFAULT_COPY, dockerfileOf, imageRef } from './images';
import { modelFetch } from './model-delivery';
import { volumeOwner } from './volume-owner';
import { gpuIn, scheduling } from './scheduling';


export function resolveWorkload(
  app: AppSettings, decl: AppDeclaration, w: Workload, parts: WorkloadParts, p: Profile | undefined, base: ResolvedBaseImage | undefined,
  byName: Map<string, Workload>, keyOf: (name: string, profile: string | undefined) => string, report: Report,
): ResolvedWorkload {
  const request = gpuIn(w, p);
  const build = w.imageSource?.build;
  // dev conveniences (sources synced, reload, a debug port) are for services; a job runs its image as it is
  const dev = !!(p?.dev && build && w._kindSpec().kind !== 'job');
  const env = ([...parts.env, ...managedEnv(w, request !== undefined, !!build)]);
  const ports = dev ? [...parts.ports, { name: 'debug', port: w.dev.debugPort ?? 5678, hostPort: w.dev.debugHostPort ?? 0, hostIp: '127.0.0.1' }] : parts.ports;
  let minDriver: number | undefined;
  if (request) {
    minDriver = base?.cuda ? minDriverMajor(base.cuda) : undefined;
    if (base?.cuda && minDriver === undefined) report(p!, `CUDA ${show(base.cuda)} has no entry in the driver table: add it to CUDA_MIN_DRIVER_MAJOR or use a listed CUDA version`);
  }
  const devSource = w.dev.source ?? build?.copy?.[0] ?? DEFAULT_COPY[0];
  const fetch = modelFetch(w, p, parts.volumes, byName, keyOf, report);
  const dependencies = [...w.dependencies];
  // The fetch reaches the endpoint from the workload's pod: the endpoint is a dependency of the workload too.
  const endpoint = w.model.s3?.endpoint;
  if (endpoint && typeof endpoint !== 'string' && !dependencies.some((d) => d.name === endpoint.name)) dependencies.push(Dependency.on(endpoint));
  const common: ResolvedContainer = {
    service: w.name,
    key: keyOf(w.name, p?.name),
    profile: p && (keyOf(w.name, p.name) !== w.name) ? p.name : undefined,
    path: parts.path,
    ml: !!build,
    component: w.component,
    image: build ? imageRef(app, w, base!, dev) : w.imageSource!.ref!,
    build: build ? {
      context: build.context,
      dockerfile: dockerfileOf(app, w),
      args: { BASE_IMAGE: base!.ref },
      target: dev ? 'dev' : 'runtime',
    } : undefined,
    command: dev ? ([...(w.dev.command ?? w.command ?? [])]) : (w.command ? ([...w.command]) : undefined),
    env,
    ports,
    volumes: parts.volumes,
    scratch: parts.scratch,
    secrets: parts.secrets,
    modelFetch: fetch,
    volumeOwner: volumeOwner(parts.volumes, !!build, p ? `${w.name}-chown-${p.name}` : `${w.name}-chown`),
    autoscaling: parts.autoscaling,
    metrics: parts.metrics,
    egress: parts.egress,
    ingressFrom: parts.ingressFrom,
    drain: parts.drain,
    binds: dev && p!.devSync === 'bind' ? [{ source: path.posix.normalize(path.posix.join(build!.context, devSource.from)), target: devSource.to }] : NONE,
    watch: dev && p!.devSync === 'watch' ? {
      sync: [{ source: path.posix.normalize(path.posix.join(build!.context, devSource.from)), target: devSource.to }],
      // the Dockerfile holds the pinned requirements: a change there needs a new image
      rebuild: [dockerfileOf(app, w)],
    } : undefined,
    shmMiB: parts.shmMiB,
    cpuRequestMillis: w.cpuRequest.millis,
    cpuLimitMillis: w.cpuLimit.millis,
    memoryRequestMiB: parts.memoryRequestMiB,
    memoryLimitMiB: parts.memoryLimitMiB,
    gpu: request ? { kind: request.kind, resourceName: request.resourceName, count: request.count, deviceIds: request.deviceIds } : undefined,
    health: parts.health,
    user: w.user,
    dependsOn: dependencies
      .filter((d) => !p || !byName.get(d.name)!.profiles || byName.get(d.name)!.profiles!.includes(p.name))
      .map((d) => {
        const t = byName.get(d.name)!;
        return { service: t.name, key: keyOf(t.name, p?.name), healthy: t.healthCheck !== undefined, job: t._kindSpec().kind === 'job' };
      }),
    scheduling: request ? scheduling(p!, minDriver) : undefined,
    policies: w.policies.length ? [...decl.policies, ...w.policies] : decl.policies,
    composeOverrides: w._overrides.compose.length ? w._overrides.compose.filter((o) => o.profile === undefined || o.profile === p?.name).map((o) => o.patch) : NONE,
    kubernetesOverrides: w._overrides.kubernetes.length ? w._overrides.kubernetes.filter((o) => !p || o.profile === undefined || o.profile === p.name).map((o) => ({ ...o })) : NONE,
  };
  if (build && !build.dockerfile && !w.command) {
    report(w, `workload '${w.name}' is built on the ML base image with a synthesized Dockerfile but has no command, which becomes the image's CMD: give 'command', or bring your own 'dockerfile'`);
  }
  for (const o of [...w._overrides.compose, ...w._overrides.kubernetes]) {
    if (o.profile !== undefined && !decl.profiles.some((x) => x.name === o.profile)) {
      report(w, `override for profile ${show(o.profile)} names no declared profile: use one of ${show(decl.profiles.map((x) => x.name))}`);
    }
  }
  return Object.assign(common, w._kindSpec());
}

/** What every variant of a workload shares: resolved once per workload, and one object in the model. */
type WorkloadParts = Pick<ResolvedContainer, 'path' | 'env' | 'ports' | 'volumes' | 'scratch' | 'secrets' | 'autoscaling' | 'metrics'
  | 'egress' | 'ingressFrom' | 'drain' | 'health' | 'shmMiB' | 'memoryRequestMiB' | 'memoryLimitMiB'>;

/** The parts of `w` that do not depend on the profile (its declared environment without the managed variables). */
export function workloadParts(w: Workload, isolated: boolean, report: Report): WorkloadParts {
  const env = resolveEnv(w, report);
  const hc = w.healthCheck;
  const firstPort = w.ports[0]?.port;
  const ports = w.ports.map((x, i) => ({ name: portName(x, i), port: x.port, hostPort: x.hostPort, hostIp: x.hostIp }));
  const spec = w._kindSpec();
  const replicated = spec.kind !== 'job' && spec.replicas > 1;
  const drain = w.drainSeconds();
  return {
    path: pathOf(w),
    env,
    ports,
    volumes: w.volumes.map((v) => ({
      name: v.name, claim: `${w.name}-${v.name}`, path: v.path, sizeMiB: v.size ? v.size.toMebibytes() : 1024,
      readOnly: v.readOnly ?? false, storageClassName: v.storageClassName,
      perPod: !!w.model.s3 && v.path === MODELS_DIR && replicated && spec.kind === 'service',
    })),
    scratch: ([TMP_DIR, CACHE_DIR, ...w.writablePaths]),
    // the managed variables hold no secret: the declared ones are all
    secrets: dedupe(env.flatMap((e) => (e.secret ? [e.secret] : [])), (x) => x.path),
    autoscaling: w.autoscaling ? {
      minReplicas: w.autoscaling.minReplicas, maxReplicas: w.autoscaling.maxReplicas, cpuUtilization: w.autoscaling.cpuUtilization ?? 70,
      memoryUtilization: w.autoscaling.memoryUtilization, gpuUtilization: w.autoscaling.gpuUtilization ?? 70,
      inFlightRequests: w.autoscaling.inFlightRequests ? { ...w.autoscaling.inFlightRequests } : undefined,
      cooldownSeconds: w.autoscaling.cooldown ? w.autoscaling.cooldown.toSeconds() : 300,
      prometheusUrl: w.autoscaling.prometheusUrl ?? 'http://prometheus-operated.monitoring.svc:9090',
    } : undefined,
    metrics: w.metrics ? {
      port: w.metrics.port, portName: ports.find((x) => x.port === w.metrics!.port)!.name, path: w.metrics.path ?? '/metrics',
      intervalSeconds: w.metrics.interval ? w.metrics.interval.toSeconds() : 30,
    } : undefined,
    egress: modelEgress(w, w.egress.length ? w.egress.map((e) => ({ cidr: e.cidr, port: e.port, protocol: e.protocol ?? 'TCP' })) : NONE, isolated, report),
    ingressFrom: w.ingressFrom.length ? w.ingressFrom.map((s) => ({ ...s })) : NONE,
    drain: drain ? { timeoutSeconds: drain.timeout, preStopSeconds: drain.preStop, graceSeconds: drain.grace } : undefined,
    health: hc ? ({
      kind: hc.kind === HealthCheckKind.HTTP ? 'http' : 'command',
      path: hc.path,
      livenessPath: hc.livenessPath,
      port: hc.kind === HealthCheckKind.HTTP ? hc.port ?? firstPort : undefined,
      command: hc.command ?? ['curl', '-fsS', `http://127.0.0.1:${hc.port ?? firstPort}${hc.path}`],
      intervalSeconds: hc.intervalSeconds,
      startupSeconds: hc.startupSeconds,
    }) : undefined,
    shmMiB: w.shmSize?.toMebibytes(),
    memoryRequestMiB: w.memoryRequest.toMebibytes(),
    memoryLimitMiB: w.memoryLimit.toMebibytes(),
  };
}

// The empty list of every workload that has none; frozen, as the model is read-only.
const NONE = Object.freeze([]) as unknown as never[];
