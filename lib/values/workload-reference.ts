/**
 * A workload as other declarations refer to it: a dependency, a model source's endpoint. Any workload of the app is
 * one; the resolver checks that it is a workload of the same app.
 */
export interface WorkloadReference {
  /** The workload's name. */
  readonly name: string;
}
