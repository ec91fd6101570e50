import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { fail, show } from './errors';

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
   * @default - the service's first port
   */
  readonly port?: number;
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
 * How both runtimes tell that a service is healthy: Kubernetes readiness, liveness and startup probes, and a Compose
 * `healthcheck` that `depends_on: condition: service_healthy` waits for.
 */
export class HealthCheck {
  /** An HTTP GET of `path`. */
  public static http(path: string, options: HttpHealthCheckOptions = {}): HealthCheck {
    return new HealthCheck(HealthCheckKind.HTTP, options, path, options.port, options.composeCommand);
  }

  /** A command run inside the container, e.g. `['pg_isready', '-h', '127.0.0.1']`. */
  public static command(command: string[], options: HealthCheckOptions = {}): HealthCheck {
    return new HealthCheck(HealthCheckKind.COMMAND, options, undefined, undefined, command);
  }

  private constructor(
    /** The kind of check. */
    public readonly kind: HealthCheckKind,
    private readonly options: HealthCheckOptions,
    /** The HTTP path, for HTTP checks. */
    public readonly path?: string,
    /** The HTTP port, for HTTP checks, when given. */
    public readonly port?: number,
    /** The command, for command checks or the Compose side of HTTP checks. */
    public readonly command?: string[],
  ) {}

  /** Seconds between checks. */
  public get intervalSeconds(): number {
    return (this.options.interval ?? Duration.seconds(10)).toSeconds();
  }

  /** Seconds the service may take to start. */
  public get startupSeconds(): number {
    return (this.options.startupTimeout ?? Duration.minutes(5)).toSeconds();
  }

  /** Throws, naming `scope`, unless the check can be rendered. */
  public validate(scope: IConstruct, containerPorts: number[]): void {
    if (this.kind === HealthCheckKind.HTTP) {
      if (typeof this.path !== 'string' || !this.path.startsWith('/') || /\s/.test(this.path)) {
        fail(scope, `health path ${show(this.path)} is invalid: use an absolute URL path such as '/health'`);
      }
      const port = this.port ?? containerPorts[0];
      if (port === undefined || !containerPorts.includes(port)) {
        fail(scope, `health check port ${show(port ?? null)} is not one of the service's container ports ${show(containerPorts)}: declare the port or check one of those`);
      }
    }
    if (this.kind === HealthCheckKind.COMMAND && (!this.command || this.command.length === 0)) {
      fail(scope, 'health check command is empty: give the command and its arguments, e.g. [\'pg_isready\']');
    }
    if (this.intervalSeconds < 1 || this.startupSeconds < this.intervalSeconds) {
      fail(scope, `health check startup timeout ${this.startupSeconds}s is shorter than its interval ${this.intervalSeconds}s: give the service at least one interval to start`);
    }
  }
}
