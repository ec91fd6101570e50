import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '../..');

/**
 * The README and the guides under docs/, in that order, as one text: the tests that check what the documentation
 * says read the file that now holds each statement.
 */
export function documentation(): string {
  const guides = fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => path.join(ROOT, 'docs', f));
  return [path.join(ROOT, 'README.md'), ...guides].map((f) => fs.readFileSync(f, 'utf8')).join('\n');
}
