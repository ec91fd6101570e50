import { IConstruct } from 'constructs';
import { problem, show } from './errors';

/*
 * Name and value rules of both runtimes. Each assert records a problem on the construct (it does not throw) and
 * returns whether the value passed, so a constructor reports every bad prop at once.
 * Sources: Kubernetes "Object Names and IDs" (DNS-1123 label and subdomain, RFC 1035 label for Services),
 * IANA_SVC_NAME for port names (k8s.io/apimachinery validation.IsValidPortName), label values (IsValidLabelValue).
 */

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
// Label keys: an optional DNS-subdomain prefix and a name of at most 63 characters (IsQualifiedName).
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
// POSIX-portable environment variable names; Kubernetes would accept more, Compose and shells would not.
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether `value` is a DNS-1123 label of at most `max` characters (the rule of most Kubernetes names). */
export function isDnsLabel(value: unknown, max = 63): value is string {
  return typeof value === 'string' && value.length <= max && DNS_1123_LABEL.test(value);
}

/** Records a problem unless `value` is a DNS-1123 label of at most `max` characters. */
export function assertDnsLabel(scope: IConstruct, what: string, value: unknown, max = 63): boolean {
  if (isDnsLabel(value, max)) return true;
  return problem(scope, `${what} ${show(value)} is not a DNS-1123 label: use at most ${max} lower-case letters, digits and '-', starting and ending with a letter or digit`);
}

/**
 * Records a problem unless `value` is an RFC 1035 label: a Kubernetes Service name, which also has to start with a
 * letter. Workload names are Service names in Kubernetes and host names in Compose, so they follow this rule.
 */
export function assertDns1035(scope: IConstruct, what: string, value: unknown, max = 63): boolean {
  if (typeof value === 'string' && value.length <= max && DNS_1035_LABEL.test(value)) return true;
  return problem(scope, `${what} ${show(value)} is not an RFC 1035 label (a Kubernetes Service name): use at most ${max} lower-case letters, digits and '-', starting with a letter and ending with a letter or digit`);
}

/** Records a problem unless `value` is a DNS-1123 subdomain (Secret and StorageClass names: dots allowed). */
export function assertDnsSubdomain(scope: IConstruct, what: string, value: unknown, max = 253): boolean {
  if (typeof value === 'string' && value.length <= max && DNS_1123_SUBDOMAIN.test(value)) return true;
  return problem(scope, `${what} ${show(value)} is not a DNS-1123 subdomain: use at most ${max} lower-case letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit`);
}

/** Records a problem unless `value` is an IANA service name, the rule of Kubernetes port names. */
export function assertPortName(scope: IConstruct, value: unknown): boolean {
  if (typeof value === 'string' && value.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(value) && /[a-z]/.test(value) && !value.includes('--')) return true;
  return problem(scope, `port name ${show(value)} is invalid: use at most 15 lower-case letters, digits and '-', with at least one letter and no '--'`);
}

/** Whether `value` can be a Kubernetes label key: `[prefix/]name`. */
export function isLabelKey(value: unknown): value is string {
  return typeof value === 'string' && LABEL_KEY.test(value);
}

/** Whether `value` can be a Kubernetes label value. */
export function isLabelValue(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && LABEL_VALUE.test(value);
}

/** Records a problem unless `value` can be a Kubernetes label value. */
export function assertLabelValue(scope: IConstruct, what: string, value: unknown): boolean {
  if (isLabelValue(value)) return true;
  return problem(scope, `${what} ${show(value)} cannot be a Kubernetes label value: use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit`);
}

/** Records a problem unless `value` is a portable environment variable name. */
export function assertEnvName(scope: IConstruct, value: unknown): boolean {
  if (typeof value === 'string' && ENV_NAME.test(value)) return true;
  return problem(scope, `environment variable name ${show(value)} is invalid: use letters, digits and '_', not starting with a digit`);
}

// Paths the container runtime owns: mounting over them hides the kernel's or the runtime's files.
const RUNTIME_PATHS = ['/', '/proc', '/sys', '/dev', '/etc', '/bin', '/sbin', '/lib', '/lib64', '/usr', '/boot', '/run'];

/** Records a problem unless `value` is a clean absolute container path that the runtime does not own. */
export function assertAbsolutePath(scope: IConstruct, what: string, value: unknown): boolean {
  if (value === '/') return problem(scope, `${what} '/' is a path the container runtime owns (the root filesystem): mount somewhere else, e.g. under '/app' or '/data'`);
  if (typeof value !== 'string' || !value.startsWith('/') || value.split('/').some((s, i) => (i > 0 && s === '') || s === '.' || s === '..')
    || (value.length > 1 && value.endsWith('/')) || /[\u0000-\u001f\u007f:,]/.test(value) || value.length > 4096) {
    return problem(scope, `${what} ${show(value)} is not a clean absolute path: use a path like '/app/models' (no '.', '..', '//', trailing '/', ':', ',' or control characters)`);
  }
  const owned = RUNTIME_PATHS.find((p) => value === p || (p !== '/' && ['/proc', '/sys', '/dev'].includes(p) && value.startsWith(`${p}/`)));
  if (owned !== undefined && value !== '/dev/shm') {
    return problem(scope, `${what} ${show(value)} is a path the container runtime owns (${RUNTIME_PATHS.join(', ')} and below /proc, /sys, /dev): mount somewhere else, e.g. under '/app' or '/data'`);
  }
  return true;
}

/** Records a problem unless `value` is an integer in [min, max]. */
export function assertInteger(scope: IConstruct, what: string, value: unknown, min: number, max: number): boolean {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return true;
  return problem(scope, `${what} ${show(value)} is invalid: use a whole number from ${min} to ${max}`);
}

/** Records a problem unless `value` is a string without control characters (which YAML readers refuse or fold). */
export function assertPrintable(scope: IConstruct, what: string, value: unknown): boolean {
  // eslint-disable-next-line no-control-regex
  if (typeof value === 'string' && !/[\u0000-\u0008\u000b-\u001f\u007f\u0085\u2028\u2029\ufeff]/.test(value)) return true;
  return problem(scope, `${what} ${show(value)} holds a control character that a YAML reader (kubectl, Compose) refuses or rewrites: remove it, or pass the value through a secret file`);
}
