"""
Cuts bench/floor.ts (the benchmark's string-template floor) from the library's output for the bench's declaration.

  node --require tsx/cjs -e "<declare 3+ bench services in MlApp({ rootDir: R }) and synth>"   # see bench/synth.bench.ts
  python3 bench/make-floor.py R/dist > bench/floor.ts

svc-1's files become the templates (its name and ports are the holes); where variants of one file differ (the cpu and
gpu manifests, the cpu, gpu and dev Compose services), the differing lines become a hole per variant. The benchmark
checks at every run that the floor's tree equals the library's byte for byte.
"""
import difflib, json, sys

def holes(variants):
    """variants: list of list-of-lines (each line with '\n'). Returns list of parts: str (literal) or list[str] (one text per variant)."""
    base = variants[0]
    ranges = []  # cpu (base) ranges that differ in some variant
    ops_all = []
    for v in variants[1:]:
        ops = difflib.SequenceMatcher(a=base, b=v, autojunk=False).get_opcodes()
        ops_all.append(ops)
        for tag, i1, i2, j1, j2 in ops:
            if tag != 'equal':
                ranges.append([i1, i2])
    ranges.sort()
    merged = []
    for r in ranges:
        if merged and r[0] <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], r[1])
        else:
            merged.append(list(r))
    def mapper(ops):
        def m(i, side):
            # a range starts where a change starts, or ends where one ends (an insertion included); elsewhere it
            # maps through the equal block holding it
            if side == 'start':
                for tag, i1, i2, j1, j2 in ops:
                    if tag != 'equal' and i1 == i: return j1
            else:
                for tag, i1, i2, j1, j2 in reversed(ops):
                    if tag != 'equal' and i2 == i: return j2
            for tag, i1, i2, j1, j2 in ops:
                if tag == 'equal' and i1 <= i <= i2: return j1 + (i - i1)
            raise Exception('unmapped %d' % i)
        return m
    maps = [lambda i, s: i] + [mapper(o) for o in ops_all]
    parts = []
    pos = 0
    for a, b in merged:
        if pos < a: parts.append(''.join(base[pos:a]))
        parts.append([''.join(variants[k][maps[k](a, 'start'):maps[k](b, 'end')]) for k in range(len(variants))])
        pos = b
    if pos < len(base): parts.append(''.join(base[pos:]))
    # check
    for k in range(len(variants)):
        text = ''.join(p if isinstance(p, str) else p[k] for p in parts)
        assert text == ''.join(variants[k]), 'mismatch for variant %d' % k
    return parts

D = sys.argv[1]
def rd(p): return open(f'{D}/{p}').read()
def lit(s, subst=True):
    s = s.replace('\\', '\\\\').replace('`', '\\`').replace('${', '\\${')
    if subst:
        s = s.replace('svc-1', '${name}').replace('20001', '${hostPort}').replace('40001', '${debugPort}')
    return '`' + s + '`'
compose = rd('docker/docker-compose.ml.yml')
lines = compose.split('\n')
start = lines.index('  svc-1-cpu:'); end = lines.index('  svc-2-cpu:')
compose_head = '\n'.join(lines[:lines.index('  svc-0-cpu:')]) + '\n'
blk = lines[start:end]
ig = blk.index('  svc-1-gpu:'); idv = blk.index('  svc-1-dev:')
cv = [[l + '\n' for l in blk[0:ig]], [l + '\n' for l in blk[ig:idv]], [l + '\n' for l in blk[idv:]]]
compose_parts = holes(cv)
vol_i = lines.index('volumes:')
assert lines[vol_i+1] == '  svc-0-models: {}'
bake = json.loads(rd('docker/docker-bake.json'))
def jtext(obj, indent):
    t = json.dumps(obj, indent=2)
    return '\n'.join((' ' * indent + l) for l in t.split('\n'))
base_targets = ',\n'.join(f'    "{k}": ' + jtext(bake['target'][k], 4).lstrip() for k in ['ml-base-cpu', 'ml-base-cuda'])
svc_targets = ',\n'.join(f'    "svc-1-{f}": ' + jtext(bake['target'][f'svc-1-{f}'], 4).lstrip() for f in ['cpu', 'cuda'])
out = []
out.append('''/*
 * The floor of the benchmark: the files the library writes for the bench's N ML services, made from string templates
 * (no model, no objects, no YAML emitter) and written with one writeFileSync per file. The templates were cut from
 * the library's output for a few services by bench/make-floor.py; the benchmark checks on every run that the floor's
 * tree equals the library's byte for byte, so a template that drifts shows there.
 */
import * as fs from 'fs';
import * as path from 'path';

''')
out.append('const MARKER = ' + lit(rd('.cdk8s-ml-output'), False) + ';\n')
out.append('const ENV = ' + lit(rd('docker/.env'), False) + ';\n')
out.append('const COMPOSE_BASE = ' + lit(rd('docker/docker-compose.base.yml'), False) + ';\n')
out.append('const COMPOSE_HEAD = ' + lit(compose_head, False) + ';\n')
out.append('const BASE_CPU = ' + lit(rd('docker/images/ml-base-cpu/Dockerfile'), False) + ';\n')
out.append('const BASE_CUDA = ' + lit(rd('docker/images/ml-base-cuda/Dockerfile'), False) + ';\n')
out.append('const WORKFLOW = ' + lit(rd('github/workflows/publish-images.yml'), False) + ';\n')
out.append('const DOCKERIGNORE = ' + lit(rd('docker/images/svc-1/Dockerfile.dockerignore'), False) + ';\n')
out.append('const BAKE_BASE_TARGETS = ' + lit(base_targets, False) + ';\n')
out.append('\nconst dockerfile = (name: string) => ' + lit(rd('docker/images/svc-1/Dockerfile')) + ';\n')
out.append('\nconst bakeTargets = (name: string) => ' + lit(svc_targets) + ';\n')
def tpl(parts):
    o = ''
    for p in parts:
        if isinstance(p, str): o += lit(p)[1:-1]
        else: o += '${[' + ', '.join(lit(x) for x in p) + '][v]}'
    return '`' + o + '`'
out.append('\n// One template per file kind; a hole `${[cpu, gpu, ...][v]}` holds what differs between the variants.\n')
out.append('const composeService = (name: string, hostPort: number, debugPort: number, v: number) => ' + tpl(compose_parts) + ';\n')
k8s_parts = holes([[l + '\n' for l in rd('k8s/cpu/svc-1.yaml').split('\n')[:-1]], [l + '\n' for l in rd('k8s/gpu/svc-1.yaml').split('\n')[:-1]]])
out.append('\nconst k8sFile = (name: string, v: number) => ' + tpl(k8s_parts) + ';\n')
kz = rd('k8s/cpu/kustomization.yaml').split('resources:\n')[0]
kzg = rd('k8s/gpu/kustomization.yaml').split('resources:\n')[0]
out.append('\nconst kustomization = (profile: string) => ' + lit(kz.replace('the cpu profile', 'the ${profile} profile'), False).replace('\\${profile}', '${profile}') + ';\n')
assert kzg == kz.replace('the cpu profile', 'the gpu profile')
out.append('''
const list = (items: string[], indent: string) => items.map((x) => `${indent}"${x}"`).join(',\\n');
const group = (name: string, items: string[]) => `    "${name}": {\\n      "targets": [\\n${list(items, '        ')}\\n      ]\\n    }`;

/** Every file of the floor, path → content, for N services. */
export function floorFiles(n: number, fetcher: string): Array<[string, string]> {
  const names = Array.from({ length: n }, (_, i) => `svc-${i}`);
  const files: Array<[string, string]> = [
    ['.cdk8s-ml-output', MARKER],
    ['docker/.env', ENV],
    ['docker/docker-compose.base.yml', COMPOSE_BASE],
    ['docker/images/ml-base-cpu/Dockerfile', BASE_CPU],
    ['docker/images/ml-base-cpu/fetch_model.py', fetcher],
    ['docker/images/ml-base-cuda/Dockerfile', BASE_CUDA],
    ['docker/images/ml-base-cuda/fetch_model.py', fetcher],
    ['github/workflows/publish-images.yml', WORKFLOW],
  ];
  const compose: string[] = [COMPOSE_HEAD];
  names.forEach((name, i) => {
    files.push([`docker/images/${name}/Dockerfile`, dockerfile(name)], [`docker/images/${name}/Dockerfile.dockerignore`, DOCKERIGNORE]);
    files.push([`k8s/cpu/${name}.yaml`, k8sFile(name, 0)], [`k8s/gpu/${name}.yaml`, k8sFile(name, 1)]);
    for (let v = 0; v < 3; v++) compose.push(composeService(name, 20000 + i, 40000 + i, v));
  });
  compose.push('volumes:\\n', ...names.map((name) => `  ${name}-models: {}\\n`));
  files.push(['docker/docker-compose.ml.yml', compose.join('')]);
  const sorted = names.map((name) => `${name}.yaml`).sort();
  for (const profile of ['cpu', 'gpu']) files.push([`k8s/${profile}/kustomization.yaml`, `${kustomization(profile)}resources:\\n${sorted.map((f) => `  - ${f}\\n`).join('')}`]);
  const cpu = names.map((name) => `${name}-cpu`);
  const cuda = names.map((name) => `${name}-cuda`);
  const bake = [
    '{\\n  "group": {\\n',
    [group('default', ['ml-base-cpu', 'ml-base-cuda', ...names.flatMap((name) => [`${name}-cpu`, `${name}-cuda`])]),
      group('cpu', ['ml-base-cpu', ...cpu]), group('gpu', ['ml-base-cuda', ...cuda]),
      group('on-ml-base-cpu', ['ml-base-cpu', ...cpu]), group('on-ml-base-cuda', ['ml-base-cuda', ...cuda])].join(',\\n'),
    '\\n  },\\n  "target": {\\n',
    [BAKE_BASE_TARGETS, ...names.map(bakeTargets)].join(',\\n'),
    '\\n  }\\n}\\n',
  ];
  files.push(['docker/docker-bake.json', bake.join('')]);
  return files;
}

/** A writer of files under `dir`, one writeFileSync each, making each folder once. */
export function fileWriter(dir: string): (file: string, content: string) => void {
  const made = new Set<string>();
  return (file, content) => {
    const target = path.join(dir, file);
    const folder = path.dirname(target);
    if (!made.has(folder)) {
      fs.mkdirSync(folder, { recursive: true });
      made.add(folder);
    }
    fs.writeFileSync(target, content);
  };
}

/** Writes the floor's files under `dir`. */
export function writeFloor(dir: string, n: number, fetcher: string): void {
  const write = fileWriter(dir);
  for (const [f, content] of floorFiles(n, fetcher)) write(f, content);
}
''')
sys.stdout.write(''.join(out))
