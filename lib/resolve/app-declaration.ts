import type { IConstruct } from 'constructs';
import type { BaseImage } from '../declaration/base-image';
import type { Profile } from '../declaration/profile';
import type { Workload } from '../declaration/workloads/workload';
import type { ResolvedContainer } from '../model/model';

/**
 * The app's own settings, as the resolver reads them (MlApp is one): the resolver sits below the app and does not
 * import it.
 * @internal
 */
export interface AppSettings extends IConstruct {
  readonly name: string;
  readonly registry: string;
  readonly rootDir: string;
  readonly outdir: string;
  readonly namespace?: string;
  readonly monitoring: 'service-monitor' | 'annotations';
  /** The reference of an image built here. */
  imageRef(name: string, tag: string): string;
}

/**
 * The parts of an app the resolver reads, handed over by the app.
 * @internal
 */
export interface AppDeclaration {
  readonly app: AppSettings;
  readonly workloads: Workload[];
  readonly profiles: Profile[];
  readonly baseImages: BaseImage[];
  readonly manifests: Array<{ profile: string; object: Record<string, unknown>; unknownKind?: 'namespaced' | 'cluster' }>;
  readonly policies: ResolvedContainer['policies'];
}
