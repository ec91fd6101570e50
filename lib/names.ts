import { IConstruct } from 'constructs';
import { fail, show } from './errors';

// Kubernetes object and Service names must be RFC 1123 labels (DNS host names), and Compose service names double as
// host names on the project network, so one rule serves both runtimes.
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// POSIX-portable environment variable names; Kubernetes would accept more, Compose and shells would not.
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Throws unless `value` is a DNS-1123 label of at most `max` characters. */
export function assertDnsLabel(scope: IConstruct, what: string, value: string, max = 63): void {
  if (typeof value !== 'string' || value.length > max || !DNS_1123_LABEL.test(value)) {
    fail(scope, `${what} ${show(value)} is not a DNS-1123 label: use at most ${max} lower-case letters, digits and '-', starting and ending with a letter or digit`);
  }
}

/** Throws unless `value` is a portable environment variable name. */
export function assertEnvName(scope: IConstruct, value: string): void {
  if (!ENV_NAME.test(value)) {
    fail(scope, `environment variable name ${show(value)} is invalid: use letters, digits and '_', not starting with a digit`);
  }
}

/** Throws unless `value` is an absolute container path. */
export function assertAbsolutePath(scope: IConstruct, what: string, value: string): void {
  if (typeof value !== 'string' || !value.startsWith('/') || value.includes('..') || (value.length > 1 && value.endsWith('/'))) {
    fail(scope, `${what} ${show(value)} is not an absolute path: use a path like '/app/models' (no '..', no trailing '/')`);
  }
}

/** Throws unless `value` is an integer in [min, max]. */
export function assertInteger(scope: IConstruct, what: string, value: number, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(scope, `${what} ${show(value)} is invalid: use a whole number from ${min} to ${max}`);
  }
}
