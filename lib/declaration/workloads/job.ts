import { Duration } from '../../values/cdk8s-values';
import { Construct } from 'constructs';
import { problem, show } from '../../internal/errors';
import { assertInteger } from '../../internal/names';
import type { WorkloadKindSpec } from '../../model/model';
import { cronProblem } from './cron';
import { Workload, WorkloadProps } from './workload';

/** What a scheduled job does when the previous run is still going. */
export enum ConcurrencyPolicy {
  /** Skip the new run (the safe default for training). */
  FORBID = 'Forbid',
  /** Run both. */
  ALLOW = 'Allow',
  /** Stop the old run and start the new one. */
  REPLACE = 'Replace',
}

/** Properties of a {@link Job}. */
export interface JobProps extends WorkloadProps {
  /**
   * Retries before the Job is marked failed (Kubernetes `backoffLimit`).
   * @default 2
   */
  readonly backoffLimit?: number;
  /**
   * How long a run may take before it is stopped (Kubernetes `activeDeadlineSeconds`).
   * @default - no deadline
   */
  readonly activeDeadline?: Duration;
  /**
   * How long a finished Job is kept (Kubernetes `ttlSecondsAfterFinished`).
   * @default Duration.days(1)
   */
  readonly ttlAfterFinished?: Duration;
  /**
   * A cron schedule (five fields, e.g. `0 3 * * *`): the Job becomes a CronJob in Kubernetes. Compose has no
   * scheduler; it runs on `docker compose run`.
   * @default - run once
   */
  readonly schedule?: string;
  /**
   * What a schedule does when the previous run is still going.
   * @default ConcurrencyPolicy.FORBID
   */
  readonly concurrencyPolicy?: ConcurrencyPolicy;
}

/**
 * One-shot or scheduled work such as training: a Kubernetes Job (a CronJob with a schedule) with
 * `restartPolicy: Never`, and a Compose service with `restart: "no"` in a `jobs` profile, run with
 * `docker compose run --rm <service>`.
 */
export class Job extends Workload {
  /** Whether `x` is a Job. */
  public static isJob(x: unknown): x is Job {
    return Workload.isWorkload(x) && x._kindSpec().kind === 'job';
  }

  private readonly spec: WorkloadKindSpec;

  constructor(scope: Construct, id: string, props: JobProps) {
    super(scope, id, props, { component: 'job' });
    const backoffLimit = props?.backoffLimit ?? 2;
    assertInteger(this, 'backoffLimit', backoffLimit, 0, 100);
    const seconds = (what: string, d: Duration | undefined) => {
      if (d === undefined) return undefined;
      try {
        const s = d.toSeconds();
        assertInteger(this, what, s, 1, 2 ** 31 - 1);
        return s;
      } catch {
        problem(this, `${what} ${show(d)} is not a whole number of seconds: use Duration.seconds(n), minutes(n) or hours(n)`);
        return undefined;
      }
    };
    const schedule = props?.schedule;
    const cron = schedule === undefined ? undefined : typeof schedule !== 'string' ? 'is not a string' : cronProblem(schedule);
    if (cron !== undefined) {
      problem(this, `schedule ${show(schedule)} ${cron}, so the API server would refuse the CronJob: use five fields (minute 0-59, hour 0-23, day of month 1-31, month 1-12, day of week 0-6), e.g. '0 3 * * *', or '@daily'`);
    }
    // Kubernetes names: a one-shot Job is `<name>-<hash>` (job-name.ts) and its pods carry it as a label (at most 63
    // characters); the CronJob controller appends 11 characters to a CronJob's name for its Jobs (limit 52).
    const most = schedule === undefined ? 63 - 9 : 52;
    if (typeof this.name === 'string' && this.name.length > most) {
      problem(this, `job name '${this.name}' has ${this.name.length} characters and a ${schedule === undefined ? 'one-shot Job' : 'CronJob'} name can have at most ${most} in Kubernetes${schedule === undefined ? ' (it gets a 9-character hash suffix)' : ''}: use a shorter name`);
    }
    const concurrencyPolicy = props?.concurrencyPolicy ?? ConcurrencyPolicy.FORBID;
    if (!Object.values(ConcurrencyPolicy).includes(concurrencyPolicy)) {
      problem(this, `concurrencyPolicy ${show(concurrencyPolicy)} is unknown: use ConcurrencyPolicy.FORBID, ALLOW or REPLACE`);
    }
    if (this.healthCheck !== undefined) {
      problem(this, 'a job has a health check, which Kubernetes Jobs do not probe and which would hold Compose dependents: drop healthCheck');
    }
    this.spec = {
      kind: 'job',
      backoffLimit,
      activeDeadlineSeconds: seconds('activeDeadline', props?.activeDeadline),
      ttlSecondsAfterFinished: seconds('ttlAfterFinished', props?.ttlAfterFinished ?? Duration.days(1)),
      schedule,
      concurrencyPolicy,
    };
  }

  /** @internal */
  public _kindSpec(): WorkloadKindSpec {
    return this.spec;
  }
}
