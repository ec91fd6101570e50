/**
 * Checks the contract every ML service Dockerfile keeps (ADR-007 rollout): its first instruction is
 * `ARG BASE_IMAGE=<default>`, and its first stage is `FROM ${BASE_IMAGE}`, so that a profile picks the base.
 *
 * @returns undefined when the file keeps the contract, else what is wrong and how to fix it
 */
export function checkServiceDockerfile(text: string): string | undefined {
  const instructions = logicalLines(text);
  const [first, second] = instructions;
  if (!first || !/^ARG\s+BASE_IMAGE=\S+$/i.test(first)) {
    return `must begin with 'ARG BASE_IMAGE=<default base tag>' but begins with ${JSON.stringify(first ?? '')}: put that ARG first so profiles can choose the base`;
  }
  if (!second || !/^FROM\s+(--platform=\S+\s+)?(\$\{BASE_IMAGE\}|\$BASE_IMAGE)(\s+AS\s+\S+)?$/i.test(second)) {
    return `must build on 'FROM \${BASE_IMAGE}' right after the ARG but has ${JSON.stringify(second ?? '')}: start the first stage from the BASE_IMAGE argument`;
  }
  return undefined;
}

/** Instructions with comments, parser directives and line continuations folded away. */
function logicalLines(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1).trim()} `;
      continue;
    }
    out.push((current + line).trim().replace(/\s+/g, ' '));
    current = '';
  }
  if (current.trim()) out.push(current.trim());
  return out;
}
