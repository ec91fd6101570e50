import { Yaml } from 'cdk8s';
import * as fc from 'fast-check';
import { parse, parseAllDocuments } from 'yaml';
import { toYaml, toYamlEntry, toYamlStream } from '../lib/internal/yaml-output';

const tricky = {
  'plain': 'ghcr.io/acme/x:1.0',
  'looks like numbers': ['8000', '0.5', '1e3', '0x1F', '0o17', '.inf', '-.5', '10001:10001', '1:20', '2024-10-13', '+1'],
  'looks like booleans': ['true', 'False', 'yes', 'No', 'on', 'OFF', 'y', 'n', 'null', '~', 'NaN'],
  'indicators': ['-x', '--reload', '*a', '&a', '!t', '|', '>', '%p', '@x', '`x', "'q'", '"dq"', '#c', 'a #b', 'a: b', 'k:', '? q', '[a]', '{a}', ',', ''],
  'spaces and escapes': [' lead', 'trail ', 'multi\nline', 'tab\there', 'ünïcödé', 'emoji 🚀', 'back\\slash'],
  'python -c': "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=5).status < 400 else 1)",
  'numbers': [0, 1, -1, 1.5, 65535],
  'bools and null': [true, false, null],
  'empty': { list: [], map: {} },
  'nested': [{ a: 1, b: [{ c: 'd' }, []] }, [1, [2, { e: {} }]]],
  'nvidia.com/gpu': 1,
  'app.kubernetes.io/name': 'sk-regression',
};

describe('YAML emitter', () => {
  test('round-trips tricky strings, numbers, booleans, nulls and nesting through a YAML 1.2 reader', () => {
    expect(parse(toYaml(tricky))).toEqual(tricky);
  });

  test('round-trips through a YAML 1.1 reader too (Compose and kubectl read with 1.1-era rules)', () => {
    expect(parse(toYaml(tricky), { version: '1.1' })).toEqual(tricky);
  });

  test('sorts keys when asked, keeps order otherwise', () => {
    expect(toYaml({ b: 1, a: 2 })).toBe('b: 1\na: 2\n');
    expect(toYaml({ b: 1, a: 2 }, undefined, { sortKeys: true })).toBe('a: 2\nb: 1\n');
  });

  test('writes a stream of documents with a leading comment', () => {
    const text = toYamlStream([{ a: 1 }, { b: [1, 2] }], 'hello');
    expect(text.startsWith('# hello\n')).toBe(true);
    expect(parseAllDocuments(text).map((d) => d.toJSON())).toEqual([{ a: 1 }, { b: [1, 2] }]);
  });

  test('refuses values JSON cannot carry', () => {
    expect(() => toYaml({ a: Infinity })).toThrow(/Infinity/);
    expect(() => toYaml({ a: () => 1 })).toThrow(/function/);
  });
});

describe('YAML emitter against cdk8s\'s writer (fast-check, fixed seed)', () => {
  // Strings built from the characters YAML gives meaning to, digits, letters of the bool/null words, a line break,
  // a tab, a non-ASCII letter and a control character: the fast path and the fallback both get exercised.
  const alphabet = fc.constantFrom(...'aeyYnNoOtTfFxl0179._-+:#&*!|>\'"%@`?,[]{}~/=\\ \n\té\u0007'.split(''), 'null', 'true', '0o', '2024-01-01', '---');
  const text = fc.array(alphabet, { maxLength: 6 }).map((xs) => xs.join(''));
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), tie('list'), tie('map')),
    list: fc.array(tie('value'), { maxLength: 4 }),
    map: fc.dictionary(text, tie('value'), { maxKeys: 4 }),
  }));
  const doc = json.map as fc.Arbitrary<Record<string, unknown>>;
  const OCTAL_12 = /^0o[0-7]+$/;
  const strings = (v: unknown): string[] => (typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => [k, ...strings(x)]) : []);
  const sorted = (v: unknown): unknown => (Array.isArray(v) ? v.map(sorted) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as any)[k])])) : v);

  test('writes exactly the bytes of cdk8s Yaml.stringify (sorted keys), except that it quotes YAML 1.2 octals', () => {
    fc.assert(fc.property(doc, (d) => {
      fc.pre(!strings(d).some((s) => OCTAL_12.test(s)));
      expect(toYaml(d, undefined, { sortKeys: true })).toBe(Yaml.stringify(sorted(d)));
    }), { seed: 20261128, numRuns: 3000 });
  });

  test('every document reads back equal under YAML 1.1 and 1.2', () => {
    fc.assert(fc.property(doc, (d) => {
      const out = toYaml(d);
      expect(parse(out)).toEqual(d);
      expect(parse(out, { version: '1.1' })).toEqual(d);
    }), { seed: 20261128, numRuns: 3000 });
  });

  test('a document written entry by entry is the document written whole', () => {
    fc.assert(fc.property(fc.dictionary(text, doc, { maxKeys: 4 }), doc, (services, tail) => {
      const whole = toYaml({ name: 'x', services, tail });
      const keys = Object.keys(services);
      const entries = keys.map((k) => toYamlEntry(k, services[k], '  '));
      const parts = toYamlEntry('name', 'x') + (keys.length ? `services:\n${entries.join('')}` : 'services: {}\n') + toYamlEntry('tail', tail);
      expect(parts).toBe(whole);
    }), { seed: 20261128, numRuns: 2000 });
  });

  test('multi-line strings (literal blocks, in maps and lists, at any depth) are written as cdk8s writes them', () => {
    const line = fc.array(fc.constantFrom(...'ab #:-*|>"\'{}$'.split('')), { maxLength: 8 }).map((xs) => xs.join(''));
    const multi = fc.array(line, { minLength: 2, maxLength: 4 }).chain((ls) => fc.constantFrom(ls.join('\n'), `${ls.join('\n')}\n`, `${ls.join('\n')}\n\n`));
    fc.assert(fc.property(multi, multi, (a, b) => {
      const d = { run: a, nested: { steps: [{ with: { set: b } }, a] } };
      expect(toYaml(d)).toBe(Yaml.stringify(d));
    }), { seed: 20261128, numRuns: 3000 });
  });
});
