/**
 * Loads an optional peer dependency, or says which package to install and why. ajv, ajv-formats and
 * kubernetes-models validate what cdk8s-ml did not build itself (overrides, added manifests, policy objects); an app
 * that uses none of those never loads them.
 * @internal
 */
export function optionalModule<T = any>(name: string, why: string): T {
  try {
    return require(name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    throw new Error(`cdk8s-ml needs the package '${name}' to validate ${why}: npm install --save-dev ${name.split('/').slice(0, name.startsWith('@') ? 2 : 1).join('/')}`);
  }
}
