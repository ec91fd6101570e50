import type { Service as ComposeService } from '../../../imports/compose-spec';
import { Cpu } from '../../values/cpu';
import { GpuKind } from '../../values/gpu';
import { ResolvedEnv, ResolvedHealth, ResolvedWorkload, assertNever } from '../../model/model';
import { dockerfileIn } from '../dockerfile-path';

/** Where Compose reads secret files from, relative to the app's root directory; git ignores it. */
export const SECRETS_SOURCE_DIR = '.secrets';

/**
 * The Compose service of one workload (values as the process must see them; the caller escapes them).
 * @internal
 */
export function composeService(w: ResolvedWorkload, rel: (p: string) => string): ComposeService {
  const s: ComposeService = {};
  const profiles = composeProfiles(w);
  if (profiles) s.profiles = stringList(profiles);
  s.image = w.image;
  if (w.build) {
    s.build = {
      context: rel(w.build.context),
      dockerfile: dockerfileIn(w.build.context, w.build.dockerfile),
      target: w.build.target,
      args: buildArgs(w.build.args),
    };
  }
  if (w.command) s.command = strings(w.command);
  s.user = `${w.user}:${w.user}`;
  // Compose Watch copies changed sources into the container, so a watched dev variant keeps a writable root
  s.read_only = !w.watch;
  s.tmpfs = tmpfsOwnedBy(w.scratch, w.user);
  s.cap_drop = CAP_DROP;
  s.security_opt = SECURITY_OPT;
  s.environment = environment(w.env);
  if (w.secrets.length) s.secrets = w.secrets.map((x) => ({ source: x.composeName, target: x.path }));
  const published = w.ports.filter((p) => p.hostPort !== undefined);
  if (published.length) {
    // A port bound to one host address takes the short form `ip:[published]:target/tcp`, which every Compose
    // release reads (docker-compose 1.x has no long-form host_ip); an empty published port is an ephemeral one.
    s.ports = published.map((p) => (p.hostIp
      ? `${p.hostIp.includes(':') ? `[${p.hostIp}]` : p.hostIp}:${p.hostPort || ''}:${p.port}/tcp`
      : { target: p.port, published: String(p.hostPort), protocol: 'tcp' }));
  }
  if (w.ports.length) s.expose = stringList(w.ports.map((p) => String(p.port)));
  const mounts = [
    ...w.volumes.map((v) => ({ type: 'volume' as const, source: v.claim, target: v.path, read_only: v.readOnly })),
    ...w.binds.map((b) => ({ type: 'bind' as const, source: rel(b.source), target: b.target, read_only: true })),
  ];
  if (mounts.length) s.volumes = mounts;
  if (w.shmMiB !== undefined) s.shm_size = mebibytes(w.shmMiB);
  if (w.health) s.healthcheck = healthcheck(w.health);
  if (w.dependsOn.length || w.modelFetch || w.volumeOwner) {
    s.depends_on = Object.fromEntries([
      ...w.dependsOn.map((d): [string, { condition: 'service_completed_successfully' | 'service_healthy' | 'service_started' }] => [d.key, {
        condition: d.job ? 'service_completed_successfully' : d.healthy ? 'service_healthy' : 'service_started',
      }]),
      // the model is in the volume before the server starts
      ...(w.modelFetch ? [[w.modelFetch.key, { condition: 'service_completed_successfully' as const }] as const] : []),
      // its volumes are its user's before it starts
      ...(w.volumeOwner ? [[w.volumeOwner.key, { condition: 'service_completed_successfully' as const }] as const] : []),
    ]);
  }
  if (w.drain) s.stop_grace_period = `${w.drain.graceSeconds}s`;
  // Compose does not autoscale: it runs the minimum (at least one)
  if (w.autoscaling && w.kind !== 'job' && Math.max(1, w.autoscaling.minReplicas) > 1) s.deploy = { replicas: Math.max(1, w.autoscaling.minReplicas) };
  if (w.watch) {
    s.develop = {
      watch: [
        ...w.watch.sync.map((b) => ({ action: 'sync' as const, path: rel(b.source), target: b.target, ignore: ['__pycache__/', '*.pyc'] })),
        ...w.watch.rebuild.map((f) => ({ action: 'rebuild' as const, path: rel(f) })),
      ],
    };
  }
  // Variants of one workload share its name as an alias, so others reach it at one host name in every profile.
  if (w.key !== w.service) s.networks = { default: { aliases: [w.service] } };
  switch (w.kind) {
    case 'service':
    case 'stateful':
      break;
    case 'job':
      // One-shot: `docker compose run --rm <key>`; never restarted, never started by `up` (its own profile).
      s.restart = 'no';
      break;
    default:
      assertNever(w);
  }
  s.deploy = { ...(s.deploy ?? {}), resources: resources(w) };
  return s;
}

// Parts of a service, each a fresh copy: the output never shares an object with the model.
const CAP_DROP = ['ALL'];
const SECURITY_OPT = ['no-new-privileges:true'];
const strings = (xs: readonly string[]) => [...xs];

/**
 * Scratch mounts the container's user can write. A tmpfs at a path the image already has keeps that folder's mode but
 * is owned by root (seen on Docker 26: /cache, which the ML base makes for uid 10001, came up `root 755`), so each
 * mount says its owner, as `path:options` (Docker's --tmpfs form, which Compose passes on). Kubernetes gets the
 * same from fsGroup on its emptyDirs. Found by the image tests.
 * @internal
 */
export function tmpfsOwnedBy(paths: readonly string[], uid: number): string[] {
  return paths.map((p) => `${p}:uid=${uid},gid=${uid}`);
}
const stringList = (xs: readonly string[]) => [...xs];
const environment = (env: readonly ResolvedEnv[]) => Object.fromEntries(env.map((e) => [e.name, e.value]));
const buildArgs = (args: Readonly<Record<string, string>>) => ({ ...args });
const healthcheck = (h: ResolvedHealth) => ({
  test: ['CMD', ...h.command],
  interval: `${h.intervalSeconds}s`,
  timeout: '5s',
  retries: 3,
  start_period: `${h.startupSeconds}s`,
});
const resources = (w: ResolvedWorkload) => ({
  limits: { cpus: Cpu.millis(w.cpuLimitMillis).toCpus(), memory: mebibytes(w.memoryLimitMiB) },
  reservations: {
    cpus: Cpu.millis(w.cpuRequestMillis).toCpus(),
    memory: mebibytes(w.memoryRequestMiB),
    ...(w.gpu ? { devices: [gpuDevice(w)] } : {}),
  },
});

/**
 * The one-shot service that fetches a workload's model into its volume before the workload starts: the same image
 * (its base carries the fetcher), the same restrictions, `restart: "no"`, waiting for the endpoint to be healthy.
 * @internal
 */
export function composeFetchService(w: ResolvedWorkload, rel: (p: string) => string): ComposeService {
  const f = w.modelFetch!;
  const s: ComposeService = {};
  if (w.profile) s.profiles = [w.profile];
  s.image = w.image;
  if (w.build) s.build = { context: rel(w.build.context), dockerfile: dockerfileIn(w.build.context, w.build.dockerfile), target: w.build.target, args: { ...w.build.args } };
  s.command = [...f.command];
  s.user = `${w.user}:${w.user}`;
  s.read_only = true;
  s.tmpfs = tmpfsOwnedBy(['/tmp', '/cache'], w.user);
  s.cap_drop = ['ALL'];
  s.security_opt = ['no-new-privileges:true'];
  s.environment = Object.fromEntries(f.env.map((e) => [e.name, e.value]));
  s.secrets = f.secrets.map((x) => ({ source: x.composeName, target: x.path }));
  s.volumes = [{ type: 'volume', source: f.volume.claim, target: f.volume.path, read_only: false }];
  s.restart = 'no';
  if (f.endpoint) s.depends_on = { [f.endpoint.key]: { condition: f.endpoint.healthy ? 'service_healthy' : 'service_started' } };
  s.deploy = { resources: { limits: { cpus: '1', memory: '512m' }, reservations: { cpus: '0.1', memory: '128m' } } };
  return s;
}

/**
 * The one-shot service that gives a workload's named volumes to its user, Compose's stand-in for fsGroup: the
 * workload's own image (so nothing else is pulled) runs `chown` as root with CHOWN as its only capability, no
 * network, and a read-only root. The image must have `chown`; one without it runs as root or owns its paths itself.
 * @internal
 */
export function composeVolumeOwnerService(w: ResolvedWorkload, rel: (p: string) => string): ComposeService {
  const o = w.volumeOwner!;
  const s: ComposeService = {};
  const profiles = composeProfiles(w);
  if (profiles) s.profiles = profiles;
  s.image = w.image;
  if (w.build) s.build = { context: rel(w.build.context), dockerfile: dockerfileIn(w.build.context, w.build.dockerfile), target: w.build.target, args: { ...w.build.args } };
  // an entrypoint also clears the image's command (compose-spec: services.entrypoint)
  s.entrypoint = ['chown', `${w.user}:${w.user}`, ...o.volumes.map((v) => v.path)];
  s.user = '0:0';
  s.read_only = true;
  s.cap_drop = ['ALL'];
  s.cap_add = ['CHOWN'];
  s.security_opt = ['no-new-privileges:true'];
  s.network_mode = 'none';
  s.volumes = o.volumes.map((v) => ({ type: 'volume' as const, source: v.claim, target: v.path, read_only: false }));
  s.restart = 'no';
  s.deploy = { resources: { limits: { cpus: '0.5', memory: '64m' } } };
  return s;
}

/**
 * The Compose profiles of a workload: a variant runs in its profile; a job in `jobs` (or `<profile>-jobs`), which
 * `up` never activates and `docker compose run` activates by itself.
 * @internal
 */
export function composeProfiles(w: ResolvedWorkload): string[] | undefined {
  if (w.kind === 'job') return [w.profile ? `${w.profile}-jobs` : 'jobs'];
  return w.profile ? [w.profile] : undefined;
}

/**
 * The GPU reservation under deploy.resources.reservations.devices, which every Compose v2 release reads (the
 * service-level `gpus:` key needs v2.30). `capabilities` is required there.
 */
function gpuDevice(w: ResolvedWorkload) {
  const gpu = w.gpu!;
  if (gpu.kind === GpuKind.MIG) {
    // Compose has no MIG profile selector: MIG slices are addressed by their device UUIDs.
    return { driver: 'nvidia', device_ids: [...gpu.deviceIds!], capabilities: ['gpu'] };
  }
  if (gpu.kind === GpuKind.SHARED) {
    // Docker does not time-slice: every container reserving a GPU shares the physical device, so one device
    // stands for any number of time-sliced replicas (a documented difference, see parity).
    return { driver: 'nvidia', count: 1, capabilities: ['gpu'] };
  }
  return { driver: 'nvidia', count: gpu.count, capabilities: ['gpu'] };
}

/** @internal */
export function mebibytes(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024}g` : `${mib}m`;
}
