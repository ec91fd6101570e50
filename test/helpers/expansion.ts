/*
 * The two runtimes' expansion rules, written from their sources, independent of the library:
 * - Kubernetes expands `$(VAR)` in command, args and env values (k8s.io/kubernetes third_party/forked/golang/expansion
 *   expand.go): `$$` is one `$`, `$(NAME)` a defined variable (an undefined one stays as written), `$` before
 *   anything else stays.
 * - Compose interpolates every value of a Compose file (compose-go template.go): `$$` is one `$`, `$NAME` and
 *   `${NAME}` (with `:-`, `-`, `:?`, `?`, `:+`, `+` modifiers) read the environment; a lone `$` stays.
 */

export function k8sExpand(input: string, vars: Record<string, string>): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] === '$' && cursor + 1 < input.length) {
      out += input.slice(checkpoint, cursor);
      const rest = input.slice(cursor + 1);
      let read: string;
      let advance: number;
      if (rest[0] === '$') {
        read = '$';
        advance = 1;
      } else if (rest[0] === '(') {
        const close = rest.indexOf(')', 1);
        if (close > 0) {
          const name = rest.slice(1, close);
          read = name in vars ? vars[name] : `$(${name})`;
          advance = close + 1;
        } else {
          read = '$(';
          advance = 1;
        }
      } else {
        read = `$${rest[0]}`;
        advance = 1;
      }
      out += read;
      cursor += advance;
      checkpoint = cursor + 1;
    }
  }
  return out + input.slice(checkpoint);
}

export function composeInterpolate(input: string, vars: Record<string, string>): string {
  const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;
  let out = '';
  for (let i = 0; i < input.length; i++) {
    if (input[i] !== '$') {
      out += input[i];
      continue;
    }
    const rest = input.slice(i + 1);
    if (rest[0] === '$') {
      out += '$';
      i += 1;
    } else if (rest[0] === '{') {
      const close = rest.indexOf('}');
      if (close < 0) throw new Error(`invalid interpolation format for ${JSON.stringify(input)}`);
      const body = rest.slice(1, close);
      const m = /^([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[-?+])(.*))?$/s.exec(body);
      if (!m) throw new Error(`invalid interpolation format for ${JSON.stringify(input)}`);
      const [, name, op, arg] = m;
      const set = name in vars;
      const nonEmpty = set && vars[name] !== '';
      if (!op) out += vars[name] ?? '';
      else if (op === ':-') out += nonEmpty ? vars[name] : arg;
      else if (op === '-') out += set ? vars[name] : arg;
      else if (op === ':+') out += nonEmpty ? arg : '';
      else if (op === '+') out += set ? arg : '';
      else if ((op === ':?' && !nonEmpty) || (op === '?' && !set)) throw new Error(`required variable ${name} is missing a value: ${arg}`);
      else out += vars[name];
      i += close + 1;
    } else {
      const m = NAME.exec(rest);
      if (m) {
        out += vars[m[0]] ?? '';
        i += m[0].length;
      } else {
        out += '$';
      }
    }
  }
  return out;
}
