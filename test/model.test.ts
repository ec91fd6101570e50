import { Size } from 'cdk8s';
import { Dependency, EnvValue, GpuRequest, Job, MlService, Service, StatefulService } from '../lib';
import type { ResolvedStack } from '../lib/model/model';
import { newApp } from './helpers/fixture';

/*
 * The model is the contract between declarations and targets. These golden tests pin what resolve() makes of small
 * declarations (the snapshots), and assert the facts a target relies on.
 */

/** The model as plain JSON, with the temp root folder taken out of paths and policies shown by id. */
function golden(stack: ResolvedStack): unknown {
  return JSON.parse(JSON.stringify(stack, (k, v) => (k === 'policies' ? v.map((p: any) => p.id) : v)));
}

describe('resolve() golden models', () => {
  test('one plain service: profile-independent, rendered once, managed env after the declared one', () => {
    const app = newApp();
    new Service(app, 'web', { image: 'nginx:1.27', ports: [{ port: 80 }], env: { GREETING: 'costs $5' } });
    const stack = app._resolve();
    expect(stack.variants).toEqual([]);
    const [web] = stack.base;
    expect(web).toMatchObject({ kind: 'service', key: 'web', service: 'web', profile: undefined, ml: false, replicas: 1 });
    expect(web.env.map((e) => `${e.name}=${e.value}`)).toEqual(['GREETING=costs $5', 'HOME=/cache', 'XDG_CACHE_HOME=/cache', 'NVIDIA_VISIBLE_DEVICES=void']);
    expect(golden(stack)).toMatchSnapshot();
  });

  test('an ML service: one variant per profile, on that profile\'s base, with the GPU only where the profile gives one', () => {
    const app = newApp({ registry: 'reg.example' }, 'model');
    new MlService(app, 'model', { build: 'services/model', command: ['uvicorn', 'app.main:app'], gpu: GpuRequest.whole(2), modelVolumeSize: Size.gibibytes(5) });
    const stack = app._resolve();
    expect(stack.variants.map((v) => [v.key, v.image, v.build!.args.BASE_IMAGE, v.gpu?.count ?? 0, v.build!.target])).toEqual([
      ['model-cpu', 'reg.example/model:0.1.0-2.4-py3.10', 'reg.example/ml-base-cpu:2.4-py3.10', 0, 'runtime'],
      ['model-gpu', 'reg.example/model:0.1.0-2.4-cuda12.4', 'reg.example/ml-base-cuda:2.4-cuda12.4', 2, 'runtime'],
      ['model-dev', 'reg.example/model:0.1.0-2.4-py3.10-dev', 'reg.example/ml-base-cpu:2.4-py3.10', 0, 'dev'],
    ]);
    expect(stack.variants[2].ports).toEqual([{ name: 'http', port: 8000, hostPort: undefined, hostIp: undefined }, { name: 'debug', port: 5678, hostPort: 0, hostIp: '127.0.0.1' }]);
    expect(stack.variants[1].scheduling).toMatchObject({ preset: 'generic', required: [], preferred: [{ weight: 50, requirement: { key: 'nvidia.com/cuda.driver-version.major', operator: 'Gt', values: ['549'] } }] });
    expect(golden(stack)).toMatchSnapshot();
  });

  test('kinds, dependencies and secrets: a stateful database, a job depending on it, an optional dependency', () => {
    const app = newApp();
    const db = new StatefulService(app, 'db', { image: 'postgres:16.4-bookworm', user: 999, volumes: [{ name: 'data', path: '/var/lib/postgresql/data' }], env: { POSTGRES_PASSWORD_FILE: EnvValue.secretFile('db', 'password') } });
    new Job(app, 'migrate', { image: 'migrate/migrate:v4.17.1', dependsOn: [db, Dependency.optional('cache')], schedule: '@hourly' });
    new Service(app, 'cache', { image: 'redis:7.4', profiles: ['gpu'] });
    const stack = app._resolve();
    const byKey = Object.fromEntries([...stack.base, ...stack.variants].map((w) => [w.key, w]));
    expect(byKey.db).toMatchObject({ kind: 'stateful', replicas: 1, secrets: [{ secret: 'db', key: 'password', path: '/run/secrets/db/password', composeName: 'db_password' }] });
    // the optional dependency makes the job per-profile; it waits for cache only where cache runs
    expect(byKey['migrate-gpu'].dependsOn.map((d) => d.key)).toEqual(['db', 'cache-gpu']);
    expect(byKey['migrate-cpu'].dependsOn.map((d) => d.key)).toEqual(['db']);
    expect(byKey['migrate-cpu']).toMatchObject({ kind: 'job', schedule: '@hourly', concurrencyPolicy: 'Forbid', backoffLimit: 2, ttlSecondsAfterFinished: 86400 });
    expect(golden(stack)).toMatchSnapshot();
  });
});
