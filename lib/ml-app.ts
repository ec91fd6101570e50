import * as path from 'path';
import { Construct, IConstruct } from 'constructs';
import { BaseImage } from './base-image';
import { fail, show } from './errors';
import { ImageFlavor } from './image-flavor';
import { assertDnsLabel } from './names';
import { Profile } from './profile';
import { render } from './render';
import { resolve } from './resolve/resolver';
import { writeAtomically } from './synth/atomic-writer';

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
   * The folder build contexts are relative to, and dist/ is written in.
   * @default - the current working directory
   */
  readonly rootDir?: string;
  /**
   * The output folder, relative to `rootDir`.
   * @default 'dist'
   */
  readonly outdir?: string;
  /**
   * The Kubernetes namespace of every object.
   * @default - none: kubectl's current namespace
   */
  readonly namespace?: string;
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
 * The root of a cdk8s-ml declaration: services, profiles and base images live under it, and `synth()` writes
 * dist/docker (Compose, Dockerfiles, bake file) and dist/k8s/<profile>.
 */
export class MlApp extends Construct {
  /** The MlApp a construct belongs to. */
  public static of(c: IConstruct): MlApp {
    const root = c.node.root;
    if (!(root instanceof MlApp)) throw new Error(`${c.node.path} is not inside an MlApp`);
    return root;
  }

  /** The name, after defaults. */
  public readonly name: string;
  /** Registry prefix of built images; empty for none. */
  public readonly registry: string;
  /** Absolute folder build contexts are relative to. */
  public readonly rootDir: string;
  /** Output folder, relative to rootDir. */
  public readonly outdir: string;
  /** Kubernetes namespace of every object, when set. */
  public readonly namespace?: string;

  constructor(props: MlAppProps = {}) {
    super(undefined as any, '');
    this.name = props.name ?? 'stack';
    this.registry = props.registry ?? '';
    this.rootDir = path.resolve(props.rootDir ?? process.cwd());
    this.outdir = props.outdir ?? 'dist';
    this.namespace = props.namespace;
    assertDnsLabel(this, 'app name', this.name);
    if (this.registry !== '' && !REGISTRY.test(this.registry)) {
      fail(this, `registry ${show(this.registry)} is not a registry prefix: use e.g. 'ghcr.io/acme' (no scheme, no trailing '/')`);
    }
    if (path.isAbsolute(this.outdir) || this.outdir.split(/[\\/]/).includes('..') || this.outdir === '' || this.outdir === '.') {
      fail(this, `outdir ${show(this.outdir)} is invalid: give a folder inside rootDir, e.g. 'dist'`);
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
   * Validates, resolves and renders the whole app into files, without writing anything.
   * @returns the files, keyed by path relative to the output folder, in a stable order
   */
  public synthFiles(): Map<string, string> {
    return render(resolve(this));
  }

  /**
   * Writes the app's files to `outdir`, all or nothing: on any error the previous output stays as it was.
   * When run by the cdk8s CLI, the Kubernetes manifests are also copied to its output folder (CDK8S_OUTDIR).
   */
  public synth(): void {
    const files = this.synthFiles();
    writeAtomically(path.join(this.rootDir, this.outdir), files);
    const cliOut = process.env.CDK8S_OUTDIR;
    if (cliOut) {
      const k8sOnly = new Map([...files].filter(([f]) => f.startsWith('k8s/')));
      writeAtomically(path.resolve(cliOut), k8sOnly);
    }
  }
}
