import { Cpu } from '../../values/cpu';
import { SECRETS_DIR } from '../../values/env';
import { ResolvedEnv, ResolvedHealth, ResolvedScheduling, ResolvedWorkload } from '../../model/model';
import { CACHE_DIR, SHM_DIR, TMP_DIR } from '../../model/paths';

/** A Kubernetes object or part of one, as plain JSON (field names as the API spells them). */
type K8s = Record<string, any>;

/**
 * The pod spec of one workload, as plain JSON (field names as the Kubernetes 1.28 API spells them): cdk8s-plus-28 has no
 * extended resources, and a patched `nvidia.com/gpu` synthesizes null.
 *
 * It meets the Pod Security Standards 'restricted' profile: non-root with a fixed UID, no privilege escalation, all
 * capabilities dropped, RuntimeDefault seccomp, read-only root filesystem and only PVC, emptyDir and projected volumes.
 */
export function podSpec(w: ResolvedWorkload, options: { claims: boolean }): K8s {
  const volumes: K8s[] = [];
  const mounts: K8s[] = [];
  const volumeNames = new Map<string, string>();
  w.volumes.forEach((v, i) => {
    // A StatefulSet mounts its claim templates by their names; other kinds mount their claims as pod volumes, or an
    // emptyDir per pod for a volume each replica fills itself (a fetched model).
    const name = options.claims ? `data-${i}` : v.name;
    if (v.perPod) volumes.push(emptyDirVolume(name, mebibytes(v.sizeMiB)));
    else if (options.claims) volumes.push({ name, persistentVolumeClaim: { claimName: v.claim, readOnly: v.readOnly } });
    mounts.push({ name, mountPath: v.path, readOnly: v.readOnly });
    volumeNames.set(v.path, name);
  });
  w.scratch.forEach((p, i) => {
    const name = `scratch-${i}`;
    volumes.push(emptyDirVolume(name));
    mounts.push({ name, mountPath: p });
  });
  if (w.shmMiB !== undefined) {
    // Docker gives /dev/shm 64 MiB and Kubernetes a bare container the same; PyTorch data loaders need more.
    volumes.push(emptyDirVolume('shm', mebibytes(w.shmMiB), 'Memory'));
    mounts.push({ name: 'shm', mountPath: SHM_DIR });
  }
  const allSecrets = [...w.secrets, ...(w.modelFetch?.secrets ?? []).filter((s) => !w.secrets.some((x) => x.path === s.path))];
  if (allSecrets.length) {
    // One projected volume puts every secret file where Compose puts its `secrets:`, /run/secrets/<secret>/<key>.
    volumes.push({
      name: 'secrets',
      projected: {
        defaultMode: 0o440,
        // A folder per secret: `<secret>/<key>` under /run/secrets, where Compose mounts the same file.
        sources: secretSources(allSecrets),
      },
    });
    mounts.push({ name: 'secrets', mountPath: SECRETS_DIR, readOnly: true });
  }
  // Profile validation keeps dev (bind-mounting) profiles out of Kubernetes; this guards that invariant.
  if (w.binds.length) throw new Error(`${w.path}: bind mounts cannot render for Kubernetes`);

  const container: K8s = {
    name: w.service,
    image: w.image,
    imagePullPolicy: 'IfNotPresent',
    // Compose `command` replaces CMD and keeps ENTRYPOINT; Kubernetes `args` does the same.
    args: w.command && containerArgs(w.command),
    env: containerEnv(w.env),
    ports: containerPorts(w.ports),
    resources: containerResources(w),
    securityContext: containerSecurity(w.user),
    volumeMounts: mounts,
    ...(w.health && w.kind !== 'job' ? probes(w.health) : {}),
    // endpoints stop routing to the pod while it still serves; then the server drains within its own timeout
    ...(w.drain && w.drain.preStopSeconds > 0 ? { lifecycle: { preStop: { exec: { command: ['sleep', String(w.drain.preStopSeconds)] } } } } : {}),
  };
  const initContainers: K8s[] = [];
  if (w.scheduling?.driverCheckMinMajor !== undefined) {
    initContainers.push({
      name: 'driver-check',
      image: w.image,
      imagePullPolicy: 'IfNotPresent',
      command: ['python', '-c', DRIVER_CHECK_PROGRAM, String(w.scheduling.driverCheckMinMajor)],
      // the same GPU as the main container: a container without one sees no driver (the pod still takes it once)
      resources: { limits: { [w.gpu!.resourceName]: w.gpu!.count } },
      securityContext: container.securityContext,
    });
  }
  if (w.modelFetch) {
    const f = w.modelFetch;
    initContainers.push({
      name: 'model-fetch',
      image: w.image,
      imagePullPolicy: 'IfNotPresent',
      command: f.command.map(escapeExpansion),
      env: f.env.map((e) => ({ name: e.name, value: escapeExpansion(e.value) })),
      resources: {
        requests: { cpu: '100m', memory: '128Mi' },
        limits: { cpu: '1', memory: '512Mi' },
      },
      securityContext: container.securityContext,
      volumeMounts: [
        { name: volumeNames.get(f.volume.path)!, mountPath: f.volume.path },
        ...mounts.filter((m) => m.mountPath === TMP_DIR || m.mountPath === CACHE_DIR),
        ...(w.secrets.length || f.secrets.length ? [{ name: 'secrets', mountPath: SECRETS_DIR, readOnly: true }] : []),
      ],
    });
  }

  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: podSecurity(w.user),
    ...(w.gpu && w.scheduling ? gpuScheduling(w.scheduling) : {}),
    ...(w.kind === 'job' ? { restartPolicy: 'Never' } : {}),
    ...(w.drain ? { terminationGracePeriodSeconds: w.drain.graceSeconds } : {}),
    ...(initContainers.length ? { initContainers } : {}),
    containers: [container],
    volumes,
  };
}

// Parts of a pod, each made from the model afresh.
const containerArgs = (command: readonly string[]) => command.map(escapeExpansion);
const containerEnv = (env: readonly ResolvedEnv[]) => env.map((e) => ({ name: e.name, value: escapeExpansion(e.value) }));
const containerPorts = (ports: ResolvedWorkload['ports']) => ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' }));
const containerResources = (w: ResolvedWorkload) => {
  const limits: Record<string, string | number> = {
    cpu: Cpu.millis(w.cpuLimitMillis).toQuantity(),
    memory: mebibytes(w.memoryLimitMiB),
  };
  if (w.gpu) limits[w.gpu.resourceName] = w.gpu.count;
  return {
    requests: { cpu: Cpu.millis(w.cpuRequestMillis).toQuantity(), memory: mebibytes(w.memoryRequestMiB) },
    limits,
  };
};
const emptyDirVolume = (name: string, sizeLimit?: string, medium?: string): K8s => ({ name, emptyDir: { ...(medium ? { medium } : {}), ...(sizeLimit ? { sizeLimit } : {}) } });
const containerSecurity = (user: number) => ({
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: user,
  runAsGroup: user,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
});
const podSecurity = (user: number) => ({
  runAsNonRoot: true,
  runAsUser: user,
  runAsGroup: user,
  fsGroup: user,
  seccompProfile: { type: 'RuntimeDefault' },
});

/**
 * Kubernetes expands `$(VAR)` in command, args and env values, and reads `$$` as one `$`: doubling every `$`
 * passes the value through unchanged.
 * @internal
 */
export function escapeExpansion(value: string): string {
  return value.includes('$') ? value.replace(/\$/g, '$$$$') : value;
}

function secretSources(secrets: ResolvedWorkload['secrets']): K8s[] {
  const bySecret = new Map<string, K8s[]>();
  for (const s of secrets) bySecret.set(s.secret, [...(bySecret.get(s.secret) ?? []), { key: s.key, path: `${s.secret}/${s.key}` }]);
  return [...bySecret].map(([name, items]) => ({ secret: { name, items } }));
}

/** Runtime class, tolerations, node selector and node affinity of a GPU pod, from its cluster preset. */
const gpuScheduling = (s: ResolvedScheduling): K8s => {
  const nodeAffinity: K8s = {
    ...(s.required.length ? { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: s.required.map((r) => ({ ...r })) }] } } : {}),
    ...(s.preferred.length ? { preferredDuringSchedulingIgnoredDuringExecution: s.preferred.map((p) => ({ weight: p.weight, preference: { matchExpressions: [{ ...p.requirement }] } })) } : {}),
  };
  return {
    ...(s.runtimeClassName ? { runtimeClassName: s.runtimeClassName } : {}),
    ...(s.tolerations.length ? { tolerations: s.tolerations.map((t) => ({ key: t.key, operator: t.operator ?? 'Exists', ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect })) } : {}),
    ...(Object.keys(s.nodeSelector).length ? { nodeSelector: { ...s.nodeSelector } } : {}),
    ...(Object.keys(nodeAffinity).length ? { affinity: { nodeAffinity } } : {}),
  };
};

/**
 * The driver check of presets without GFD labels: a fixed program, run in the workload's own image with the same
 * GPU, reads the node's driver version (the NVIDIA runtime exposes /proc/driver/nvidia/version, else nvidia-smi)
 * and stops the pod with one clear line when it is older than the image's CUDA needs. The least major version is its
 * only argument.
 */
export const DRIVER_CHECK_PROGRAM = [
  'import re, subprocess, sys',
  'need = int(sys.argv[1])',
  'text = ""',
  'try:',
  '    text = open("/proc/driver/nvidia/version").read()',
  'except OSError:',
  '    try:',
  '        text = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"], capture_output=True, text=True, timeout=30).stdout',
  '    except (OSError, subprocess.SubprocessError):',
  '        pass',
  'm = re.search(r"(\\d+)\\.\\d+", text)',
  'if not m:',
  '    sys.exit("driver check: no NVIDIA driver is visible in this container; the node needs the NVIDIA driver and container toolkit")',
  'have = int(m.group(1))',
  'if have < need:',
  '    sys.exit(f"driver check: the node runs NVIDIA driver {m.group(0)}, older than the {need} branch this image\'s CUDA needs: schedule on newer nodes or use an image built for an older CUDA")',
  'print(f"driver check: NVIDIA driver {m.group(0)} runs this image (needs {need} or newer)")',
].join('\n');

/** The probes of a health check. */
const probes = (h: ResolvedHealth): K8s => {
  // keys in sorted order, as the manifest is written
  const probe = (path: string | undefined, failureThreshold: number): K8s => (h.kind === 'http'
    ? { failureThreshold, httpGet: { path, port: h.port! }, periodSeconds: h.intervalSeconds, timeoutSeconds: 5 }
    : { exec: { command: [...h.command] }, failureThreshold, periodSeconds: h.intervalSeconds, timeoutSeconds: 5 });
  return {
    livenessProbe: probe(h.livenessPath ?? h.path, 3),
    readinessProbe: probe(h.path, 3),
    // Liveness and readiness start only once this succeeds, so slow model loading is not mistaken for a hang.
    startupProbe: probe(h.path, Math.ceil(h.startupSeconds / h.intervalSeconds)),
  };
};

/** A binary quantity in the largest whole unit, e.g. `4Gi` or `512Mi`. */
export function mebibytes(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}
