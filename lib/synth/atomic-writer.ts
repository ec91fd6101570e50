import * as fs from 'fs';
import * as path from 'path';

/**
 * Replaces `dir` with exactly `files`, all or nothing: the files are written to a sibling folder first, which then
 * takes `dir`'s place by rename. An error before the swap leaves `dir` as it was.
 */
export function writeAtomically(dir: string, files: Map<string, string>): void {
  const parent = path.dirname(dir);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(dir)}.staging-`));
  try {
    const made = new Set<string>();
    for (const [file, content] of files) {
      const target = path.join(staging, file);
      if (!target.startsWith(staging + path.sep)) throw new Error(`refusing to write outside ${dir}: ${file}`);
      const folder = path.dirname(target);
      if (!made.has(folder)) {
        fs.mkdirSync(folder, { recursive: true });
        made.add(folder);
      }
      fs.writeFileSync(target, content);
    }
    const old = `${staging}.old`;
    const hadDir = fs.existsSync(dir);
    if (hadDir) fs.renameSync(dir, old);
    fs.renameSync(staging, dir);
    if (hadDir) fs.rmSync(old, { recursive: true, force: true });
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}
