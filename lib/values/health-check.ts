import { Duration } from './cdk8s-values';
import { IConstruct } from 'constructs';
import { problem, show } from '../internal/errors';
import { assertInteger, assertPrintable } from '../internal/names';
import { typeMark } from '../internal/type-mark';

/** Options common to every health check. */
export interface HealthCheckOptions {
  /**
   * How long the service may take to start (model loading, database recovery) before it is restarted.
   * Kubernetes gets a startup probe of this length; Compose a `start_period`.
   * @default Duration.minutes(5)
   */
  readonly startupTimeout?: Duration;
  /**
   * How often the check runs once started.
   * @default Duration.seconds(10)
   */
  readonly interval?: Duration;
}

/** Options of an HTTP health check. */
export interface HttpHealthCheckOptions extends HealthCheckOptions {
  /**
   * The container port to call.
   * @default - the workload's first port
   */
  readonly port?: number;
  /**
   * The path the liveness probe calls, when it differs from the readiness path (a liveness probe must not do work
   * such as loading a model).
   * @default - the readiness path
   */
  readonly livenessPath?: string;
  /**
   * The command Compose runs inside the container to make the call, since Compose has no HTTP probe.
   * @default - `curl -fsS http://127.0.0.1:<port><path>`
   */
  readonly composeCommand?: string[];
}

/** The kind of a health check. */
export enum HealthCheckKind {
  /** An HTTP GET that must answer 2xx or 3xx. */
  HTTP = 'http',
  /** A command that must exit 0. */
  COMMAND = 'command',
}

/**
 * How both runtimes tell that a workload is healthy: Kubernetes readiness, liveness and startup probes, and a Compose
 * `healthcheck` that `depends_on: condition: service_healthy` waits for.
 */
export class HealthCheck {
  /** An HTTP GET of `path`. */
  public static http(path: string, options: HttpHealthCheckOptions = {}): HealthCheck {
    return new HealthCheck(HealthCheckKind.HTTP, options, path, options.port, options.composeCommand);
  }

  /** A command run inside the container, e.g. `['pg_isready', '-h', '127.0.0.1']`. */
  public static command(command: string[], options: HealthCheckOptions = {}): HealthCheck {
    return new HealthCheck(HealthCheckKind.COMMAND, options, undefined, undefined, command ? [...command] : command);
  }

  /** Whether `x` is a HealthCheck (also one made by another copy of the library). */
  public static isHealthCheck(x: unknown): x is HealthCheck {
    return isMarked(x);
  }

  private constructor(
    /** The kind of check. */
    public readonly kind: HealthCheckKind,
    private readonly options: HttpHealthCheckOptions,
    /** The HTTP path, for HTTP checks. */
    public readonly path?: string,
    /** The HTTP port, for HTTP checks, when given. */
    public readonly port?: number,
    /** The command, for command checks or the Compose side of HTTP checks. */
    public readonly command?: string[],
  ) {
  }

  /** The liveness path of an HTTP check. */
  public get livenessPath(): string | undefined {
    return this.options.livenessPath ?? this.path;
  }

  /** Seconds between checks. */
  public get intervalSeconds(): number {
    return (this.options.interval ?? Duration.seconds(10)).toSeconds();
  }

  /** Seconds the service may take to start. */
  public get startupSeconds(): number {
    return (this.options.startupTimeout ?? Duration.minutes(5)).toSeconds();
  }
}

// An absolute URL path of RFC 3986 pchars and '/', plus a query: nothing that needs quoting in a URL or YAML.
const URL_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*(\?[A-Za-z0-9\-._~!$&'()*+,;=:@/%?]*)?$/;

/**
 * Records every reason the check cannot be rendered for a workload listening on `containerPorts`.
 * @internal
 */
export function checkHealthCheck(scope: IConstruct, hc: unknown, containerPorts: number[]): boolean {
  if (!HealthCheck.isHealthCheck(hc)) return problem(scope, `health check ${show(hc)} is not a HealthCheck: use HealthCheck.http('/health') or HealthCheck.command([...])`);
  let ok = true;
  if (hc.kind === HealthCheckKind.HTTP) {
    for (const p of [hc.path, hc.livenessPath]) {
      if (typeof p !== 'string' || !URL_PATH.test(p) || /['"\\]/.test(p)) {
        ok = problem(scope, `health path ${show(p)} is invalid: use an absolute URL path such as '/health' (RFC 3986 path characters, no quotes or spaces)`);
      }
    }
    const port = hc.port ?? containerPorts[0];
    if (port === undefined || !containerPorts.includes(port)) {
      ok = problem(scope, `health check port ${show(port ?? null)} is not one of the workload's container ports ${show(containerPorts)}: declare the port or check one of those`);
    }
  }
  if (hc.command !== undefined) {
    if (!Array.isArray(hc.command) || hc.command.length === 0 || hc.command.some((c) => typeof c !== 'string')) {
      ok = problem(scope, `health check command ${show(hc.command)} is invalid: give the command and its arguments as a non-empty list of strings, e.g. ['pg_isready']`);
    } else {
      hc.command.forEach((c) => { ok = assertPrintable(scope, 'health check argument', c) && ok; });
    }
  }
  let timing = true;
  try {
    timing = assertInteger(scope, 'health check interval (seconds)', hc.intervalSeconds, 1, 3600)
      && assertInteger(scope, 'health check startup timeout (seconds)', hc.startupSeconds, 1, 86400);
  } catch (e) {
    timing = problem(scope, `health check interval or startup timeout cannot be converted to whole seconds (${(e as Error).message}): use Duration.seconds(n) or Duration.minutes(n)`);
  }
  if (timing && hc.startupSeconds < hc.intervalSeconds) {
    ok = problem(scope, `health check startup timeout ${hc.startupSeconds}s is shorter than its interval ${hc.intervalSeconds}s: give the workload at least one interval to start`);
  }
  return ok && timing;
}

const isMarked = typeMark(HealthCheck, 'HealthCheck');
