/**
 * A peer dependency cdk8s-ml loads only when it needs it, and is not installed.
 * @internal
 */
export class MissingPeerError extends Error {
  constructor(public readonly packageName: string, why: string) {
    super(`cdk8s-ml needs the package '${packageName}' to validate ${why}, and it is not installed: npm install --save-dev ${packageName}`);
    this.name = 'MissingPeerError';
  }
}

/**
 * Loads an optional peer dependency, or says which package to install and why. ajv, ajv-formats and
 * kubernetes-models validate what cdk8s-ml did not build itself (overrides, added manifests, policy objects); an app
 * that uses none of those never loads them. The synth turns the error into one problem of its report.
 * @internal
 */
export function optionalModule<T = any>(name: string, why: string): T {
  try {
    return require(name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    throw new MissingPeerError(name.split('/').slice(0, name.startsWith('@') ? 2 : 1).join('/'), why);
  }
}
