import * as fs from 'fs';
import * as path from 'path';
import { Construct, IConstruct } from 'constructs';
import { BaseImage } from '../declaration/base-image';
import { DeclarationError, pathOf, problem, show } from '../internal/errors';
import { ImageFlavor } from '../values/image-flavor';
import { assertDnsLabel } from '../internal/names';
import { Profile } from '../declaration/profile';
import type { ResolvedStack } from '../model/model';
import { renderStack, resolve } from '../resolve/resolver';
import { OUTPUT_MARKER, OUTPUT_MARKER_CONTENT, outputFolderProblem } from '../synth/output-guard';
import { WriteSummary, writeAtomically } from '../synth/atomic-writer';
import type { KubernetesPolicy } from '../model/policy';
import type { TargetFiles } from '../targets/registry';
import { contentText } from '../targets/target';
import { workloadsOf } from '../declaration/workloads/workload';
import { typeMark } from '../internal/type-mark';

/** Options of {@link MlApp.addManifest}. */
export interface AddManifestOptions {
  /**
   * Accept a kind cdk8s-ml has no schema for (neither built in nor a CRD it ships), unchecked beyond its name, and
   * say whether it is namespaced (it then goes in the app's namespace) or cluster-scoped.
   * @default - an unknown kind is an error
   */
  readonly unknownKind?: 'namespaced' | 'cluster';
}

/** Properties of an {@link MlApp}. */
export interface MlAppProps {
  /**
   * The stack's name: the Compose project name and the `app.kubernetes.io/part-of` label.
   * @default 'stack'
   */
  readonly name?: string;
  /**
   * Registry prefix of every built image, e.g. `ghcr.io/acme`.
   * @default - none: images are named as in ADR-007, e.g. `ml-base-cpu:2.4-py3.10`
   */
  readonly registry?: string;
  /**
   * The folder build contexts are relative to, and the output folder is written in.
   * @default - the current working directory
   */
  readonly rootDir?: string;
  /**
   * The output folder, relative to `rootDir`. It is replaced as a whole on every synth, so it must be a folder of
   * its own: the project folder, a folder holding sources, build contexts or `.git`, or a non-empty folder that
   * cdk8s-ml did not write are refused.
   * @default 'dist'
   */
  readonly outdir?: string;
  /**
   * The Kubernetes namespace of every object.
   * @default - none: kubectl's current namespace
   */
  readonly namespace?: string;
  /**
   * How Prometheus in Kubernetes finds the workloads' metrics: Prometheus Operator ServiceMonitors, or
   * `prometheus.io/*` scrape annotations for clusters without the operator.
   * @default 'service-monitor'
   */
  readonly monitoring?: 'service-monitor' | 'annotations';
  /**
   * Whether the `cpu`, `gpu` and `dev` profiles are declared. Set false to declare every profile yourself.
   * @default true
   */
  readonly builtInProfiles?: boolean;
  /**
   * The torch minor version of the built-in base images.
   * @default '2.4'
   */
  readonly torch?: string;
  /**
   * The Python minor version of the built-in CPU base image.
   * @default '3.10'
   */
  readonly python?: string;
  /**
   * The CUDA version of the built-in CUDA base image.
   * @default - the newest CUDA the torch release is published for (12.4 for torch 2.4)
   */
  readonly cuda?: string;
}

const REGISTRY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

/**
 * The root of a cdk8s-ml declaration: workloads, profiles and base images live under it, and `synth()` writes
 * the output folder (Compose files, Kubernetes manifests per profile, Dockerfiles and the bake file).
 */
export class MlApp extends Construct {
  /** Whether `x` is an MlApp (also one made by another copy of the library). */
  public static isMlApp(x: unknown): x is MlApp {
    return isMarked(x);
  }

  /** The MlApp a construct belongs to. */
  public static of(c: IConstruct): MlApp {
    const root = c.node.root;
    if (!MlApp.isMlApp(root)) throw new Error(`${c.node.path} is not inside an MlApp`);
    return root;
  }

  /** The name, after defaults. */
  public readonly name: string;
  /** Registry prefix of built images; empty for none. */
  public readonly registry: string;
  /** Absolute folder build contexts are relative to. */
  public readonly rootDir: string;
  /** Output folder, relative to rootDir, normalized (e.g. `dist`). */
  public readonly outdir: string;
  /** Kubernetes namespace of every object, when set. */
  public readonly namespace?: string;
  /** How Prometheus in Kubernetes finds metrics. */
  public readonly monitoring: 'service-monitor' | 'annotations';
  private readonly manifests: Array<{ profile: string; object: Record<string, unknown>; unknownKind?: 'namespaced' | 'cluster' }> = [];
  private readonly policies: KubernetesPolicy[] = [];

  constructor(props: MlAppProps = {}) {
    super(undefined as any, '');
    props = props ?? {};
    this.name = props.name ?? 'stack';
    this.registry = props.registry ?? '';
    this.rootDir = path.resolve(props.rootDir ?? process.cwd());
    this.outdir = normalizeOutdir(props.outdir ?? 'dist');
    this.namespace = props.namespace;
    this.monitoring = props.monitoring ?? 'service-monitor';
    if (!['service-monitor', 'annotations'].includes(this.monitoring)) problem(this, `monitoring ${show(this.monitoring)} is unknown: use 'service-monitor' or 'annotations'`);
    assertDnsLabel(this, 'app name', this.name);
    if (this.registry !== '' && (typeof this.registry !== 'string' || !REGISTRY.test(this.registry))) {
      problem(this, `registry ${show(this.registry)} is not a registry prefix: use e.g. 'ghcr.io/acme' (no scheme, no trailing '/')`);
    }
    if (this.outdir === '' || this.outdir === '.' || path.isAbsolute(this.outdir) || this.outdir.split('/').includes('..') || /[\u0000-\u001f\\]/.test(this.outdir)) {
      problem(this, `outdir ${show(props.outdir)} is invalid: give a folder inside rootDir other than rootDir itself, e.g. 'dist'`);
    }
    if (this.namespace !== undefined) assertDnsLabel(this, 'namespace', this.namespace);
    new BaseImage(this, 'ml-base-cpu', { flavor: ImageFlavor.CPU, torch: props.torch, python: props.python });
    new BaseImage(this, 'ml-base-cuda', { flavor: ImageFlavor.CUDA, torch: props.torch, cuda: props.cuda });
    if (props.builtInProfiles ?? true) {
      Profile.cpu(this);
      Profile.gpu(this);
      Profile.dev(this);
    }
  }

  /** The reference of an image built here: the registry prefix, the name and the tag. */
  public imageRef(name: string, tag: string): string {
    return `${this.registry ? `${this.registry}/` : ''}${name}:${tag}`;
  }

  /**
   * Adds any Kubernetes object to one profile's manifests (the escape hatch), in `k8s/<profile>/_manifests.yaml`.
   * It is validated at synth: apiVersion, kind and a DNS-1123 name; a kind the API server knows (built in, or a CRD
   * of schemas/crds) with no field it lacks, as `kubectl apply` checks; the OpenAPI schema for core kinds; and no
   * clash with a generated object. A namespaced object without a namespace goes in the app's namespace, when it has
   * one.
   */
  public addManifest(profile: string, object: Record<string, unknown>, options: AddManifestOptions = {}): void {
    this.manifests.push({ profile, object: JSON.parse(JSON.stringify(object ?? null)), unknownKind: options.unknownKind });
  }

  /** Registers a Kubernetes policy on every workload of the app. */
  public addPolicy(policy: KubernetesPolicy): void {
    this.policies.push(policy);
  }

  /**
   * Validates, resolves and renders the whole app into files, without writing anything.
   * @returns the files, keyed by path relative to the output folder, in a stable order
   * @throws DeclarationError listing every problem of the app
   */
  public synthFiles(): Map<string, string> {
    const files = new Map<string, string>([[OUTPUT_MARKER, OUTPUT_MARKER_CONTENT]]);
    renderStack(this._resolve(), (f, content) => files.set(f, contentText(content)));
    return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /**
   * The runtime-neutral model of the app (checked, defaults applied).
   * @internal
   */
  public _resolve(): ResolvedStack {
    return resolve({
      app: this,
      workloads: workloadsOf(this),
      profiles: this.node.findAll().filter(Profile.isProfile),
      baseImages: this.node.findAll().filter(BaseImage.isBaseImage),
      manifests: this.manifests,
      policies: this.policies,
    });
  }

  /**
   * Writes the app's files to `outdir`, all or nothing: on any error the previous output stays as it was, and
   * unchanged files keep their modification time.
   * @returns what was written, per target (`synthOrExit` prints it)
   * @throws DeclarationError listing every problem of the app (nothing is written)
   */
  public synth(): SynthSummary {
    const workloads = workloadsOf(this);
    const stack = this._resolve();
    const protectedPaths = [
      // many workloads share a build context: each is resolved once
      ...[...new Set(workloads.flatMap((w) => (w.imageSource?.build ? [w.imageSource.build.context] : [])))].map((c) => path.resolve(this.rootDir, c)),
      ...(require.main?.filename ? [require.main.filename] : []),
      path.join(this.rootDir, 'package.json'),
    ];
    const reason = outputFolderProblem(this.rootDir, this.outdir, protectedPaths);
    if (reason) throw new DeclarationError([{ path: pathOf(this), message: `outdir '${this.outdir}' ${reason}` }]);
    let count = 0;
    // at least a file per workload variant and two per built image: a large app writes on the background thread
    // from its first file
    const expected = stack.base.length + stack.variants.length + 2 * stack.serviceImages.length;
    // Each file is written as soon as it is rendered, so the whole output is never in memory at once; a problem
    // found while rendering throws before the new folder is swapped in, and nothing changes.
    const written: WriteSummary = { written: [], unchanged: [], removed: [] };
    const byTarget: TargetFiles[] = [];
    writeAtomically(path.join(this.rootDir, this.outdir), (write) => {
      const counted: typeof write = (f, content) => {
        count++;
        write(f, content);
      };
      counted(OUTPUT_MARKER, OUTPUT_MARKER_CONTENT);
      renderStack(stack, counted, byTarget);
    }, undefined, expected, written);
    const cliOut = process.env.CDK8S_OUTDIR;
    if (cliOut) {
      // The cdk8s CLI expects its output folder to exist and lists the manifests in it. The output lives in outdir,
      // so the CLI's folder holds one file that says so, which the CLI lists (with none, it would print "No
      // manifests synthesized" after every successful synth).
      fs.mkdirSync(path.resolve(cliOut), { recursive: true });
      fs.writeFileSync(path.resolve(cliOut, CLI_POINTER), `# cdk8s-ml wrote its output to ${path.join(this.rootDir, this.outdir)}; this file only tells the cdk8s CLI so.\n`);
    }
    const unchanged = new Set(written.unchanged);
    return {
      outdir: path.join(this.rootDir, this.outdir),
      targets: byTarget.map((t) => ({
        target: t.target, profiles: t.scope === 'app' ? undefined : [...t.profiles],
        written: t.files.filter((f) => !unchanged.has(f)).length, unchanged: t.files.filter((f) => unchanged.has(f)).length,
      })),
      removed: [...written.removed],
    };
  }
}

/** The file the app leaves in the cdk8s CLI's output folder. */
const CLI_POINTER = 'cdk8s-ml-output.yaml';

/** What one target wrote in one synth. */
export interface TargetSummary {
  /** The target's name (`compose`, `kubernetes`, `docker`). */
  readonly target: string;
  /**
   * The profiles it rendered.
   * @default - none: an app target, rendered once for every profile
   */
  readonly profiles?: string[];
  /** Its files that are new or changed. */
  readonly written: number;
  /** Its files that stayed as they were. */
  readonly unchanged: number;
}

/** What one synth wrote. */
export interface SynthSummary {
  /** The output folder, absolute. */
  readonly outdir: string;
  /** Per target, in the order they render. */
  readonly targets: readonly TargetSummary[];
  /** Files of the previous output that are gone, relative to the output folder. */
  readonly removed: string[];
}

/**
 * The summary a successful synth prints: one line per target, then what was removed.
 * @internal
 */
export function summaryText(s: SynthSummary): string {
  const lines = [`cdk8s-ml: synthesized into ${s.outdir}`];
  for (const t of s.targets) {
    const files = t.written + t.unchanged;
    lines.push(`  ${t.target.padEnd(11)} ${t.profiles ? `profiles ${t.profiles.join(', ')}` : 'every profile'}: ${files} file(s), ${t.written} written, ${t.unchanged} unchanged`);
  }
  if (s.removed.length) lines.push(`  removed: ${s.removed.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** `./dist/`, `dist//` and `dist` are one folder: every path derived from the outdir uses this form. */
function normalizeOutdir(outdir: unknown): string {
  if (typeof outdir !== 'string') return '';
  const n = path.posix.normalize(outdir.replace(/\/+$/, '') || '.');
  return n.replace(/\/+$/, '');
}

/**
 * Runs an app's synth the way the cdk8s CLI does, printing a DeclarationError as its list of problems without a
 * stack trace and exiting non-zero; other errors keep their trace.
 */
export function synthOrExit(build: () => MlApp): void {
  try {
    const app = build();
    const summary = summaryText(app.synth());
    // the cdk8s CLI keeps an app's standard output to itself and shows its standard error
    (process.env.CDK8S_OUTDIR ? process.stderr : process.stdout).write(summary);
  } catch (e) {
    if (DeclarationError.isDeclarationError(e)) {
      process.stderr.write(`cdk8s-ml: the declaration has ${e.problems.length} problem(s); nothing was written.\n${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

const isMarked = typeMark(MlApp, 'MlApp');
