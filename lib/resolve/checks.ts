/*
 * Rules across resolved workloads: host ports, derived names, uniqueness, dependency cycles; and the report's order.
 */

import { DeclarationProblem } from '../internal/errors';
import type { AppSettings } from './app-declaration';
import { Workload } from '../declaration/workloads/workload';
import { ResolvedBaseImage, ResolvedServiceImage, ResolvedWorkload } from '../model/model';
import type { Report } from './report';

export function checkHostPorts(all: ResolvedWorkload[], byName: Map<string, Workload>, report: Report): void {
  // Variants of one workload never run together (one profile at a time), so a host port is owned by a workload.
  const owner = new Map<string, string>();
  for (const w of all) {
    for (const p of w.ports) {
      if (!p.hostPort) continue;
      const key = String(p.hostPort);
      const o = owner.get(key);
      if (o !== undefined && o !== w.service) {
        report(byName.get(w.service)!, `host port ${p.hostPort} is already published by workload '${o}': publish a different hostPort`);
      }
      owner.set(key, w.service);
    }
  }
}

/** Every name derived from two declarations must map back to one: a collision is reported naming both. */
export function checkDerivedNames(
  app: AppSettings, all: ResolvedWorkload[], bases: ResolvedBaseImage[], images: ResolvedServiceImage[],
  byName: Map<string, Workload>, report: Report,
): void {
  const claims = new Map<string, string>();
  const claim = (name: string, source: string, scope: Workload) => {
    const other = claims.get(name);
    if (other !== undefined && other !== source) report(scope, `${source} and ${other} both derive the volume/claim name '${name}': rename one of the workloads or volumes`);
    claims.set(name, source);
  };
  const keys = new Map<string, string>();
  for (const w of all) {
    const scope = byName.get(w.service)!;
    const other = keys.get(w.key);
    const source = `${w.path}${w.profile ? ` in profile '${w.profile}'` : ''}`;
    if (other !== undefined && other !== source) {
      report(scope, `Compose service key '${w.key}' is derived twice: by ${source} and by ${other}: rename one workload or profile`);
    }
    keys.set(w.key, source);
    if (w.modelFetch) {
      const o = keys.get(w.modelFetch.key);
      if (o !== undefined) report(scope, `Compose service key '${w.modelFetch.key}' (the model fetch of ${source}) is also derived by ${o}: rename one workload`);
      keys.set(w.modelFetch.key, `the model fetch of ${source}`);
    }
    if (w.volumeOwner) {
      const o = keys.get(w.volumeOwner.key);
      if (o !== undefined && o !== `the volume owner of ${source}`) report(scope, `Compose service key '${w.volumeOwner.key}' (the volume owner of ${source}) is also derived by ${o}: rename one workload`);
      keys.set(w.volumeOwner.key, `the volume owner of ${source}`);
    }
    for (const b of w.watch ? [...w.binds, ...w.watch.sync] : w.binds) {
      const hides = (p: string) => p === b.target || p.startsWith(`${b.target}/`) || b.target.startsWith(`${p}/`);
      const volume = w.volumes.find((v) => hides(v.path));
      const scratch = volume ? undefined : w.scratch.find(hides);
      if (volume || scratch !== undefined) {
        report(scope, `the dev source bind mount at '${b.target}' overlaps ${volume ? `volume '${volume.name}'` : 'a writable path'} at '${volume ? volume.path : scratch}' in profile '${w.profile}', so one hides the other: set devSource (dev.source) to another path`);
      }
    }
    for (const v of w.volumes) {
      claim(v.claim, `volume '${v.name}' of ${w.path}`, scope);
      if (w.kind === 'stateful') {
        // StatefulSet claims are named <template>-<statefulset>-<ordinal> by the controller.
        for (let i = 0; i < w.replicas; i++) claim(`${v.name}-${w.service}-${i}`, `volume '${v.name}' of ${w.path} (replica ${i})`, scope);
      }
    }
    const keysBySecret = new Map<string, string>();
    for (const s of w.secrets) {
      const folded = `${s.secret}/${s.key.toLowerCase()}`;
      const prev = keysBySecret.get(folded);
      if (prev !== undefined && prev !== s.key) {
        report(scope, `secret '${s.secret}' keys '${prev}' and '${s.key}' differ only in case, and Compose reads both from one file on case-insensitive disks (macOS, Windows): rename one key`);
      }
      keysBySecret.set(folded, s.key);
    }
  }
  const targets = new Map<string, string>();
  const folders = new Map<string, string>();
  const own = (map: Map<string, string>, what: string, name: string, source: string, scope: any) => {
    const other = map.get(name);
    if (other !== undefined && other !== source) report(scope, `${what} '${name}' is derived twice: by ${source} and by ${other}: rename one`);
    map.set(name, source);
  };
  for (const b of bases) {
    const scope = app.node.tryFindChild(b.key) ?? app;
    own(targets, 'bake target', b.key, `base image '${b.key}'`, scope);
    own(folders, 'image folder', b.dir, `base image '${b.key}'`, scope);
  }
  for (const s of images) {
    const scope = byName.get(s.name)!;
    for (const v of s.variants) own(targets, 'bake target', `${s.name}-${v.flavor}`, `workload ${s.path}`, scope);
    if (s.synthesized) own(folders, 'image folder', `docker/images/${s.name}`, `workload ${s.path}`, scope);
  }
}

export function checkUnique<T>(items: T[], key: (t: T) => string, onDuplicate: (t: T, k: string, first: T) => void): void {
  const seen = new Map<string, T>();
  for (const i of items) {
    const k = key(i);
    if (seen.has(k)) onDuplicate(i, k, seen.get(k)!);
    else seen.set(k, i);
  }
}

export function findCycle(workloads: Workload[], byName: Map<string, Workload>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'visiting') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'visiting');
    stack.push(n);
    for (const d of byName.get(n)?.dependsOn ?? []) {
      if (d === n || !byName.has(d)) continue;
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const w of workloads) {
    const c = visit(w.name);
    if (c) return c;
  }
  return undefined;
}

/** Problems in construct-path order (stable: one construct's problems keep the order they were found in). */
export function ordered(problems: DeclarationProblem[]): DeclarationProblem[] {
  return problems.map((p, i) => ({ p, i })).sort((a, b) => (a.p.path < b.p.path ? -1 : a.p.path > b.p.path ? 1 : a.i - b.i)).map((x) => x.p);
}

export function dedupe<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((i) => (seen.has(key(i)) ? false : (seen.add(key(i)), true)));
}
