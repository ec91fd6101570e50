import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';

/**
 * Runs Compose's own loader (`docker-compose config`, Debian's docker-compose 1.29, which works offline) over the
 * Compose files of a synth, with the given --profile flags: it merges the files, interpolates, and validates
 * references (depends_on, volumes, secrets). The 1.x loader predates the top-level `name:` key and services'
 * `develop:` (Compose Watch, 2.22+), so the copy it reads leaves those two out; the Compose schema test covers them.
 * Returns the merged configuration as Compose prints it (JSON-compatible YAML).
 */
function forComposeV1(text: string): string {
  const doc = parse(text);
  delete doc.name;
  for (const s of Object.values<any>(doc.services ?? {})) delete s.develop;
  // quoted strings: the 1.x loader reads YAML 1.1, where a plain `no` is a boolean
  return stringify(doc, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
}

export function composeConfig(files: Map<string, string>, composeFiles: string[], profiles: string[], env: Record<string, string> = {}): { ok: boolean; output: string } {
  if (!fs.existsSync('/usr/bin/docker-compose')) {
    throw new Error('docker-compose is not installed: .ci/run installs Debian\'s docker-compose package (apt-get install docker-compose)');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-compose-'));
  for (const [f, content] of files) {
    const target = path.join(dir, 'dist', f);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, f.startsWith('docker/docker-compose') ? forComposeV1(content) : content);
  }
  // secret files and build contexts that the files point at must exist for the loader
  for (const text of composeFiles.map((f) => files.get(f)!)) {
    for (const m of text.matchAll(/file: "?\.\.\/\.\.\/(\.secrets\/[^"\n]+)"?/g)) {
      fs.mkdirSync(path.dirname(path.join(dir, m[1])), { recursive: true });
      fs.writeFileSync(path.join(dir, m[1]), 'not-a-real-secret');
    }
    for (const m of text.matchAll(/context: "?\.\.\/\.\.\/([^"\n]+)"?/g)) fs.mkdirSync(path.join(dir, m[1]), { recursive: true });
  }
  // a file with no service reads as a version-1 file to the 1.x loader (a Compose v2 reads it fine): leave it out
  composeFiles = composeFiles.filter((f) => Object.keys(parse(files.get(f)!).services ?? {}).length > 0);
  const args = [...composeFiles.flatMap((f) => ['-f', path.join(dir, 'dist', f)]), ...profiles.flatMap((p) => ['--profile', p]), 'config'];
  try {
    const output = execFileSync('/usr/bin/docker-compose', args, { cwd: path.join(dir, 'dist/docker'), encoding: 'utf8', stdio: 'pipe', env: { PATH: process.env.PATH, ...env } });
    return { ok: true, output };
  } catch (e: any) {
    return { ok: false, output: `${e.stdout}${e.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
