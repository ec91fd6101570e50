import { stringify } from 'yaml';

// No line folding: long commands and labels stay on one line, so diffs of dist/ stay readable and stable.
const OPTIONS = { lineWidth: 0, minContentWidth: 0 } as const;

/** One YAML document with a leading comment. */
export function toYaml(doc: unknown, comment?: string): string {
  return (comment ? `# ${comment}\n` : '') + stringify(doc, OPTIONS);
}

/** A multi-document YAML stream. */
export function toYamlStream(docs: unknown[], comment?: string): string {
  return (comment ? `# ${comment}\n` : '') + docs.map((d) => stringify(d, OPTIONS)).join('---\n');
}
