import * as fc from 'fast-check';
import { EnvValue, MlApp, Service, StatefulService } from '../lib';
import { composeConfig } from './helpers/compose-cli';
import { composeInterpolate, k8sExpand } from './helpers/expansion';
import { newApp } from './helpers/fixture';
import { composeErrors, k8sErrors, k8sObjects, parseStream, parseYaml } from './helpers/validate';

// Property-based tests with a fixed seed: the same inputs on every run, so a failure reproduces.
const SEED = 20261128;
const RUNS = 150;
const BASE = 'docker/docker-compose.base.yml';
// Host and container variables an expansion could wrongly read.
const HOST_ENV = { HOME: '/root', USER: 'root', A: 'from-host', PATH: '/usr/bin' };

// Strings with what breaks naive rendering: '$', '${', '$(', '$$', quotes, '#', ': ', YAML indicators, unicode.
const tricky = fc.stringOf(fc.oneof(
  fc.constantFrom('$', '${', '$(', '$$', '}', ')', 'A', 'HOME', '"', "'", '\\', '#', ': ', '- ', '&', '*', '!', '%', '@', '`', '|', '>', '{', '[', ',', ' ', '\t', '\n', 'é', '漢', '🙂', 'true', '0x1F', '1e3', '~', 'null'),
  fc.char(),
), { maxLength: 40 });

function render(values: string[]): Map<string, string> {
  const app = newApp();
  new Service(app, 'echo', {
    image: 'busybox:1.36',
    command: ['echo', ...values],
    env: { A: 'container-a', ...Object.fromEntries(values.map((v, i) => [`V${i}`, EnvValue.fromValue(v, { notACredential: true })])) },
  });
  return app.synthFiles();
}

describe('every string reaches the process byte for byte in both runtimes', () => {
  test('env values and command arguments survive YAML, Compose interpolation and Kubernetes expansion', () => {
    fc.assert(fc.property(fc.array(tricky, { minLength: 1, maxLength: 5 }), (values) => {
      const files = render(values);
      const compose = parseYaml(files.get(BASE)!).services.echo;
      const [deployment] = parseStream(files.get('k8s/cpu/echo.yaml')!);
      const c = deployment.spec.template.spec.containers[0];
      const k8sVars = Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));
      values.forEach((v, i) => {
        expect(composeInterpolate(compose.environment[`V${i}`], HOST_ENV)).toBe(v);
        expect(composeInterpolate(compose.command[i + 1], HOST_ENV)).toBe(v);
        expect(k8sExpand(k8sVars[`V${i}`], k8sVars)).toBe(v);
        expect(k8sExpand(c.args[i + 1], k8sVars)).toBe(v);
      });
    }), { seed: SEED, numRuns: RUNS });
  });

  test("Compose's own interpolation (docker-compose config) gives back every generated value", () => {
    const values = fc.sample(tricky, { seed: SEED, numRuns: 40 }).filter((v) => v.length);
    const r = composeConfig(render(values), [BASE], [], HOST_ENV);
    expect(r).toMatchObject({ ok: true });
    // `config` prints the interpolated project as a Compose file again, so it writes each '$' of a value as '$$'
    const merged = parseYaml(r.output).services.echo;
    const printed = (s: string) => s.replace(/\$\$/g, '$');
    values.forEach((v, i) => expect({ i, value: printed(merged.environment[`V${i}`]) }).toEqual({ i, value: v }));
    expect(merged.command.slice(1).map(printed)).toEqual(values);
  });

  test.each([
    ['${HOME}/data', '${HOME}/data'], ['cost $5', 'cost $5'], ['pa$$word', 'pa$$word'], ['$(A)', '$(A)'], ['$$(A)', '$$(A)'],
  ])('the issue\'s example %j means itself', (value, expected) => {
    const files = render([value]);
    const compose = parseYaml(files.get(BASE)!).services.echo;
    const c = parseStream(files.get('k8s/cpu/echo.yaml')!)[0].spec.template.spec.containers[0];
    expect(composeInterpolate(compose.environment.V0, HOST_ENV)).toBe(expected);
    expect(k8sExpand(c.env.find((e: any) => e.name === 'V0').value, { A: 'container-a' })).toBe(expected);
  });

  test('EnvValue.expand resolves references at synth, so both runtimes get the same literal', () => {
    const app = newApp();
    new Service(app, 'web', {
      image: 'busybox:1.36',
      env: { HOST: 'db', PORT: '5432', URL: EnvValue.expand('postgres://${HOST}:${PORT}/geo?x=$${literal}'), PW_FILE: EnvValue.secretFile('db', 'password'), PASSFILE: EnvValue.expand('${PW_FILE}') },
    });
    const files = app.synthFiles();
    const compose = parseYaml(files.get(BASE)!).services.web.environment;
    const c = parseStream(files.get('k8s/cpu/web.yaml')!)[0].spec.template.spec.containers[0];
    const k8sVars = Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));
    for (const [name, want] of [['URL', 'postgres://db:5432/geo?x=${literal}'], ['PASSFILE', '/run/secrets/db/password']]) {
      expect(composeInterpolate(compose[name], HOST_ENV)).toBe(want);
      expect(k8sExpand(k8sVars[name], k8sVars)).toBe(want);
    }
  });
});

describe('names', () => {
  const label = fc.stringOf(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'.split('')), { minLength: 1, maxLength: 20 });

  test('any workload name is either a valid name in both runtimes or refused with the rule', () => {
    fc.assert(fc.property(fc.oneof(label, fc.string({ maxLength: 70 })), (name) => {
      const app = newApp();
      new Service(app, 'w', { name, image: 'busybox:1.36', ports: [{ port: 80 }] });
      let files: Map<string, string> | undefined;
      let error: any;
      try {
        files = app.synthFiles();
      } catch (e) {
        error = e;
      }
      const valid = /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name) && name.length <= 63;
      if (!valid) {
        expect(error?.problems?.[0]?.message).toMatch(/is not an RFC 1035 label/);
        return;
      }
      expect(error).toBeUndefined();
      expect(composeErrors(parseYaml(files!.get(BASE)!))).toEqual([]);
      for (const { obj } of k8sObjects(files!)) expect(k8sErrors(obj)).toEqual([]);
    }), { seed: SEED, numRuns: RUNS });
  });

  test('claim names derived from (workload, volume) pairs never silently collide', () => {
    const pair = fc.tuple(fc.constantFrom('a', 'a-b', 'b', 'pg', 'data', 'b-data'), fc.constantFrom('data', 'b-data', 'pg-0', 'x'), fc.boolean());
    fc.assert(fc.property(fc.uniqueArray(pair, { minLength: 2, maxLength: 4, selector: (p) => p[0] }), (pairs) => {
      const app = newApp();
      pairs.forEach(([w, v, stateful], i) => {
        const props = { image: 'busybox:1.36', volumes: [{ name: v, path: `/v${i}` }] };
        if (stateful) new StatefulService(app, w, props);
        else new Service(app, w, props);
      });
      const claims = new Map<string, number>();
      pairs.forEach(([w, v, stateful]) => {
        for (const c of [`${w}-${v}`, ...(stateful ? [`${v}-${w}-0`] : [])]) claims.set(c, (claims.get(c) ?? 0) + 1);
      });
      const collides = [...claims.values()].some((n) => n > 1);
      if (collides) expect(() => app.synthFiles()).toThrow(/both derive the volume\/claim name/);
      else expect(() => app.synthFiles()).not.toThrow();
    }), { seed: SEED, numRuns: RUNS });
  });

  test('secret references map to distinct files, whatever the names', () => {
    const secret = fc.constantFrom('a', 'a-b', 'a.b', 'ab');
    const key = fc.constantFrom('b', 'b-c', 'c', 'pass.word', 'pass_word', 'bc', 'b.c');
    fc.assert(fc.property(fc.uniqueArray(fc.tuple(secret, key), { minLength: 2, maxLength: 6, selector: (p) => p.join('/') }), (refs) => {
      const app = new MlApp({ rootDir: newApp().rootDir });
      new Service(app, 'w', { image: 'busybox:1.36', env: Object.fromEntries(refs.map(([s, k], i) => [`S${i}_FILE`, EnvValue.secretFile(s, k)])) });
      const files = app.synthFiles();
      const compose = parseYaml(files.get(BASE)!);
      const paths = refs.map((_, i) => compose.services.w.environment[`S${i}_FILE`]);
      expect(new Set(paths).size).toBe(refs.length);
      refs.forEach(([s, k], i) => expect(paths[i]).toBe(`/run/secrets/${s}/${k}`));
      const sources = compose.services.w.secrets.map((x: any) => compose.secrets[x.source].file);
      expect(new Set(sources).size).toBe(refs.length);
    }), { seed: SEED, numRuns: RUNS });
  });
});
