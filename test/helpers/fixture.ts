import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MlApp, MlAppProps, MlService, MlServiceProps } from '../../lib';

/** A temporary root folder holding a service build context `services/<name>/app`. */
export function tempRoot(...services: string[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-ml-test-'));
  for (const s of services.length ? services : ['svc']) fs.mkdirSync(path.join(root, 'services', s, 'app'), { recursive: true });
  return root;
}

/** A fresh app in a temporary root, with build contexts for the named services. */
export function newApp(props: MlAppProps = {}, ...services: string[]): MlApp {
  return new MlApp({ rootDir: tempRoot(...services), ...props });
}

/** An ML service with the least a declaration needs; its build context must exist under the app's root. */
export function mlService(app: MlApp, id = 'svc', props: Partial<MlServiceProps> = {}): MlService {
  if (!fs.existsSync(path.join(app.rootDir, 'services', id))) fs.mkdirSync(path.join(app.rootDir, 'services', id, 'app'), { recursive: true });
  return new MlService(app, id, { build: `services/${id}`, command: ['uvicorn', 'app.main:app'], ...props });
}

/** Every file below `dir`, relative path to content; empty when `dir` does not exist. */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!fs.existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p).split(path.sep).join('/'), fs.readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}
