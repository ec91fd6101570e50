import * as path from 'path';
import type { ComposeSpecification, Service as ComposeService } from '../../../imports/compose-spec';
import { GpuKind } from '../../values/gpu';
import { mergePatch } from '../../internal/merge-patch';
import { optionalModule } from '../../internal/optional-module';
import { nearest } from '../../internal/nearest';
import { packageFile } from '../../internal/package-file';
import { ResolvedStack, ResolvedWorkload } from '../../model/model';
import { toYamlEntry } from '../../internal/yaml-output';
import { EmitFile, ReportProblem, Target } from '../target';
import { SECRETS_SOURCE_DIR, composeFetchService, composeService, composeVolumeOwnerService } from './compose-service';
import { escapeComposeStrings } from './escape';
import { PROMETHEUS_CONFIG, observability, scrapeTargets } from './observability';

/** The Compose keys of the observability services, which no workload may take. */
const OBSERVABILITY_SERVICE = 'prometheus';
const DCGM_SERVICE = 'dcgm-exporter';

/** Where the Compose files live inside the output folder. */
export const COMPOSE_DIR = 'docker';
/** The file of the workloads that are the same in every profile. */
export const COMPOSE_BASE_FILE = `${COMPOSE_DIR}/docker-compose.base.yml`;
/** The file of the per-profile variants. */
export const COMPOSE_ML_FILE = `${COMPOSE_DIR}/docker-compose.ml.yml`;
/** Compose reads COMPOSE_PROFILES from the project directory's .env when no --profile is given. */
export const COMPOSE_ENV_FILE = `${COMPOSE_DIR}/.env`;

/**
 * Docker Compose: the profile-independent workloads and the per-profile variants as two layered files, plus the
 * .env that makes the default profile run when `docker compose` is given no `--profile`.
 * @internal
 */
export const composeTarget: Target = {
  name: 'compose',
  scope: 'profile',

  check(stack: ResolvedStack, profiles: string[], report: ReportProblem): void {
    for (const w of stack.variants.filter((v) => profiles.includes(v.profile!))) {
      if (w.gpu?.kind === GpuKind.MIG && !w.gpu.deviceIds) {
        report(w.path, `GPU request '${w.gpu.resourceName}' in profile '${w.profile}' cannot render for Compose: Compose selects MIG slices only by device id, so pass GpuRequest.mig('${w.gpu.resourceName.replace('nvidia.com/mig-', '')}', ${w.gpu.count}, { deviceIds: ['MIG-…'] }) or drop 'compose' from the profile's targets`);
      }
    }
    const all = [...stack.base, ...stack.variants.filter((v) => profiles.includes(v.profile!))];
    if (scrapeTargets(all).length) {
      for (const w of all.filter((x) => [OBSERVABILITY_SERVICE, DCGM_SERVICE].includes(x.key))) {
        report(w.path, `Compose service key '${w.key}' is taken by the observability profile's own service: rename the workload`);
      }
    }
    for (const w of all) {
      const replicas = w.autoscaling ? Math.max(1, w.autoscaling.minReplicas) : 1;
      const published = w.ports.filter((p) => p.hostPort);
      if (replicas > 1 && published.length) {
        report(w.path, `Compose runs ${replicas} replicas of '${w.key}' (autoscaling minReplicas) but one host port ${published[0].hostPort} cannot be published by two containers: drop hostPort (others reach it by name) or use minReplicas 1`);
      }
    }
    // An override that makes its service invalid is reported while rendering, where the service is made.
  },

  render(stack: ResolvedStack, profiles: string[], emit: EmitFile, report: ReportProblem): void {
    const composeDir = path.posix.join(stack.outdir, COMPOSE_DIR);
    // the same few build contexts and sources come back for every variant: each path is made relative once
    const relative = new Map<string, string>();
    const rel = (p: string) => {
      let r = relative.get(p);
      if (r === undefined) relative.set(p, (r = path.posix.relative(composeDir, p) || '.'));
      return r;
    };
    const variants = stack.variants.filter((w) => profiles.includes(w.profile!));
    const baseExtras: ComposeExtras = { services: {}, networks: [] };
    const mlExtras: ComposeExtras = { services: {}, networks: [] };
    const obs = observability(profiles, [...stack.base, ...variants]);
    if (obs) {
      baseExtras.services[OBSERVABILITY_SERVICE] = obs.prometheus;
      if (stack.networkIsolation) {
        // Prometheus reaches each scrape target on that target's network
        const nets = scrapeTargets([...stack.base, ...variants]).map((t) => networkOf(t.job));
        obs.prometheus.networks = Object.fromEntries(nets.map((n) => [n, {}]));
        baseExtras.networks.push(...nets);
      }
      if (obs.dcgm) {
        mlExtras.services[DCGM_SERVICE] = obs.dcgm;
        if (stack.networkIsolation) {
          obs.dcgm.networks = { [networkOf(DCGM_SERVICE)]: {} };
          obs.prometheus.networks = { ...(obs.prometheus.networks as object), [networkOf(DCGM_SERVICE)]: {} };
          baseExtras.networks.push(networkOf(DCGM_SERVICE));
          mlExtras.networks.push(networkOf(DCGM_SERVICE));
        }
      }
      emit(PROMETHEUS_CONFIG, obs.file);
    }
    emit(COMPOSE_BASE_FILE, composeText(stack.name, stack.base, rel, stack.networkIsolation, baseExtras, header('the workloads of every profile'), report));
    emit(COMPOSE_ML_FILE, composeText(stack.name, variants, rel, stack.networkIsolation, mlExtras,
      header(`the per-profile variants (${profiles.join(', ')}); layer it on docker-compose.base.yml`), report));
    const def = stack.profiles.find((p) => p.isDefault && profiles.includes(p.name));
    if (def) {
      emit(COMPOSE_ENV_FILE, [
        '# Generated by cdk8s-ml. Compose reads this file from the project directory (this folder) and falls back to',
        '# COMPOSE_PROFILES only when no --profile flag is given, so `--profile gpu` replaces this default.',
        `COMPOSE_PROFILES=${def.name}`,
        '',
      ].join('\n'));
    }
  },
};

function header(what: string): string {
  return `Generated by cdk8s-ml: ${what}. Do not edit; change the declaration and run \`npm run synth\`.`;
}

/** The Compose network of a workload under isolation: it and the workloads that depend on it join it. */
export function networkOf(service: string): string {
  return `net-${service}`;
}

/** What a Compose file holds besides its workloads: the observability services, and the networks they join. */
interface ComposeExtras {
  readonly services: Record<string, ComposeService>;
  readonly networks: string[];
}

/** The top-level volumes, secrets and networks the workloads' services use, gathered while they are made. */
interface ComposeUses {
  readonly volumes: Record<string, Record<string, never>>;
  readonly secrets: Record<string, { file: string }>;
  readonly networks: Set<string>;
}

/** The Compose services of the workloads, one at a time, in file order. */
function* composeServices(workloads: ResolvedWorkload[], rel: (p: string) => string, isolated: boolean, uses: ComposeUses, report: ReportProblem): Generator<[string, ComposeService]> {
  for (const w of workloads) {
    let s = escapeComposeStrings(composeService(w, rel));
    if (isolated) {
      // one network per workload: it joins its own (under its name) and those of its dependencies, nothing else
      const own = networkOf(w.service);
      const deps = w.dependsOn.map((d) => networkOf(d.service));
      s.networks = { [own]: { aliases: [w.service] }, ...Object.fromEntries(deps.map((n) => [n, {}])) };
      [own, ...deps].forEach((n) => uses.networks.add(n));
    }
    if (w.composeOverrides.length) {
      for (const patch of w.composeOverrides) s = mergePatch(s, patch) as ComposeService;
      const errors = overrideErrors(w.key, s);
      if (errors.length) report(w.path, `the Compose override of '${w.key}' makes the service invalid against the Compose schema (${errors.join('; ')}): fix the patch passed to addComposeOverride()`);
    }
    yield [w.key, s];
    if (w.modelFetch) {
      const f = escapeComposeStrings(composeFetchService(w, rel));
      if (isolated && w.modelFetch.endpoint) {
        f.networks = { [networkOf(w.modelFetch.endpoint.service)]: {} };
        uses.networks.add(networkOf(w.modelFetch.endpoint.service));
      }
      yield [w.modelFetch.key, f];
    }
    if (w.volumeOwner) yield [w.volumeOwner.key, escapeComposeStrings(composeVolumeOwnerService(w, rel))];
    for (const v of w.volumes) uses.volumes[v.claim] = {};
    for (const x of [...w.secrets, ...(w.modelFetch?.secrets ?? [])]) uses.secrets[x.composeName] = { file: escapeComposeStrings(rel(path.posix.join(SECRETS_SOURCE_DIR, x.secret, x.key))) };
  }
}

/** The top-level sections after `services`, from what the services use and the extras. */
function composeSections(uses: ComposeUses, extras: ComposeExtras): Pick<ComposeSpecification, 'volumes' | 'secrets' | 'networks'> {
  const out: Pick<ComposeSpecification, 'volumes' | 'secrets' | 'networks'> = {};
  if (Object.keys(uses.volumes).length) out.volumes = uses.volumes;
  if (Object.keys(uses.secrets).length) out.secrets = uses.secrets;
  const networks = [...new Set([...[...uses.networks].sort(), ...extras.networks])];
  if (networks.length) out.networks = Object.fromEntries(networks.map((n) => [n, {}]));
  return out;
}

/**
 * A Compose file, made service by service as it is written: each service's YAML is made, handed on and dropped
 * before the next, so that a file of thousands of services is never one object or one string.
 */
function* composeText(name: string, workloads: ResolvedWorkload[], rel: (p: string) => string, isolated: boolean, extras: ComposeExtras, comment: string, report: ReportProblem): Generator<string> {
  const uses: ComposeUses = { volumes: {}, secrets: {}, networks: new Set() };
  yield `# ${comment}\n${toYamlEntry('name', name)}`;
  let count = 0;
  const entry = (key: string, service: ComposeService) => `${count++ === 0 ? 'services:\n' : ''}${toYamlEntry(key, service, '  ')}`;
  for (const [key, service] of composeServices(workloads, rel, isolated, uses, report)) yield entry(key, service);
  for (const [key, service] of Object.entries(extras.services)) yield entry(key, service);
  if (count === 0) yield 'services: {}\n';
  for (const [key, section] of Object.entries(composeSections(uses, extras))) yield toYamlEntry(key, section);
}

let validator: ((doc: unknown) => string[]) | undefined;

/** Schema errors of a service a Compose override changed; the schema is loaded only when there is one. */
function overrideErrors(key: string, service: ComposeService): string[] {
  if (!validator) {
    // Loaded lazily: ajv and the schema cost more than a whole synth of a small app.
    const Ajv = optionalModule('ajv', 'Compose overrides').default;
    const addFormats = optionalModule('ajv-formats', 'Compose overrides').default;
    const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true, verbose: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(require('fs').readFileSync(packageFile('schemas/compose-spec.json'), 'utf8')));
    validator = (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e: any) => {
      // an unknown key: name it, where it is, and the nearest key the schema has there
      if (e.keyword === 'additionalProperties') {
        const near = nearest(e.params.additionalProperty, Object.keys(e.parentSchema?.properties ?? {}));
        return `${e.instancePath}/${e.params.additionalProperty} is not a Compose field${near ? ` (did you mean ${near}?)` : ''}`;
      }
      return `${e.instancePath} ${e.message}`;
    }));
  }
  return validator({ services: { [key]: service } });
}
