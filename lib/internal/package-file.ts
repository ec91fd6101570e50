import * as fs from 'fs';
import * as path from 'path';

/**
 * The absolute path of a file shipped in this package (e.g. `schemas/compose-spec.json`), found from the package
 * root whether the code runs from sources or from build/.
 * @internal
 */
export function packageFile(relative: string): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, relative);
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cdk8s-ml: ${relative} is missing from the installed package`);
    dir = up;
  }
}
