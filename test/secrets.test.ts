import { execSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { EnvValue, Service } from '../lib';
import { newApp, readTree } from './helpers/fixture';
import { k8sObjects, parseYaml } from './helpers/validate';

const ROOT = path.join(__dirname, '..');
const CREDENTIAL_NAME = /(PASSWORD|SECRET|TOKEN|ACCESS_KEY|PRIVATE_KEY|CREDENTIAL)/i;

describe('credentials never reach the repository or dist/', () => {
  const dist = readTree(path.join(ROOT, 'dist'));

  test('every credential-like variable in dist/ is a *_FILE path under /run/secrets, never a value', () => {
    const seen: string[] = [];
    for (const f of ['docker/docker-compose.base.yml', 'docker/docker-compose.ml.yml']) {
      for (const [name, s] of Object.entries<any>(parseYaml(dist.get(f)!).services)) {
        for (const [k, v] of Object.entries<string>(s.environment ?? {})) {
          if (!CREDENTIAL_NAME.test(k)) continue;
          seen.push(`${name}.${k}`);
          expect({ k, v }).toEqual({ k: expect.stringMatching(/_FILE$/), v: expect.stringMatching(/^\/run\/secrets\/[a-z0-9.-]+\/[-._a-zA-Z0-9]+$/) });
        }
      }
    }
    for (const { obj } of k8sObjects(dist)) {
      for (const c of obj.spec?.template?.spec?.containers ?? []) {
        for (const e of c.env ?? []) {
          if (!CREDENTIAL_NAME.test(e.name)) continue;
          seen.push(`${obj.metadata.name}.${e.name}`);
          expect(e).toEqual({ name: expect.stringMatching(/_FILE$/), value: expect.stringMatching(/^\/run\/secrets\//) });
        }
      }
    }
    expect(seen.length).toBeGreaterThan(10);
  });

  test('no Secret object, no data or stringData, and Compose reads secrets from the git-ignored .secrets/', () => {
    for (const { obj } of k8sObjects(dist)) {
      expect(obj.kind).not.toBe('Secret');
      expect(obj.data).toBeUndefined();
      expect(obj.stringData).toBeUndefined();
    }
    const secrets = parseYaml(dist.get('docker/docker-compose.base.yml')!).secrets;
    for (const s of Object.values<any>(secrets)) expect(s).toEqual({ file: expect.stringMatching(/^\.\.\/\.\.\/\.secrets\/[a-z0-9-]+\/[a-z0-9-]+$/) });
    expect(fs.readFileSync(path.join(ROOT, '.gitignore'), 'utf8').split('\n')).toContain('.secrets/');
  });

  test('a secret file present at synth time never leaks into the output', () => {
    const app = newApp();
    const value = 'S3cr3t-Value-That-Must-Not-Leak-9c1e';
    fs.mkdirSync(path.join(app.rootDir, '.secrets/db'), { recursive: true });
    fs.writeFileSync(path.join(app.rootDir, '.secrets/db/password'), value);
    process.env.DB_PASSWORD = value;
    try {
      new Service(app, 'db', { image: 'postgres:16.4', env: { POSTGRES_PASSWORD_FILE: EnvValue.secretFile('db', 'password') } });
      for (const [f, content] of app.synthFiles()) expect({ f, leaked: content.includes(value) }).toEqual({ f, leaked: false });
    } finally {
      delete process.env.DB_PASSWORD;
    }
  });

  test('no tracked file holds a credential-looking assignment', () => {
    const tracked = execSync('git ls-files', { cwd: ROOT, encoding: 'utf8' }).split('\n').filter((f) => f && !f.startsWith('test/'));
    expect(tracked.length).toBeGreaterThan(20);
    const offenders = tracked.filter((f) => fs.existsSync(path.join(ROOT, f)))
      .filter((f) => /(PASSWORD|SECRET_KEY|ROOT_PASSWORD)\s*[:=]\s*['"]?[A-Za-z0-9+/]{8,}/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
