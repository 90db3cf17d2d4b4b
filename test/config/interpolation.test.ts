import { describe, it, expect } from 'vitest';
import { parseYaml } from '../../src/config/yaml-file.ts';

const read = (src: string, env: Record<string, string> = {}) => parseYaml('/x/f.yaml', src, env);

describe('${VAR} interpolation', () => {
  it('replaces variables inside strings and leaves keys alone', () => {
    const f = read('${KEY}: "a ${A} b"\nlist:\n  - x-${A}\n', { A: 'one', KEY: 'no' });
    expect(f.problems).toEqual([]);
    expect(f.data).toEqual({ '${KEY}': 'a one b', list: ['x-one'] });
  });

  it('uses the default when the variable is unset or empty', () => {
    const f = read('a: ${NOPE:-fallback}\nb: ${EMPTY:-d}\nc: ${EMPTY:-}\n', { EMPTY: '' });
    expect(f.data).toEqual({ a: 'fallback', b: 'd', c: '' });
  });

  it('re-reads an unquoted whole-value variable as a YAML scalar, but keeps quoted ones strings', () => {
    const f = read('port: ${PORT}\nflag: ${ON}\nquoted: "${PORT}"\n', { PORT: '8080', ON: 'true' });
    expect(f.data).toEqual({ port: 8080, flag: true, quoted: '8080' });
  });

  it('keeps $${ as a literal ${', () => {
    const f = read('a: "cost $${HOME}"\n', { HOME: '/root' });
    expect(f.data).toEqual({ a: 'cost ${HOME}' });
  });

  it('reports each missing variable at its own line:col with its path', () => {
    const f = read('outer:\n  inner: "x ${MISSING_ONE}"\n  list:\n    - ${MISSING_TWO}\n');
    expect(f.problems.map((p) => `${p.line}:${p.col} ${p.path} ${p.message}`)).toEqual([
      '2:13 outer.inner environment variable MISSING_ONE is not set (referenced as ${MISSING_ONE})',
      '4:7 outer.list[0] environment variable MISSING_TWO is not set (referenced as ${MISSING_TWO})',
    ]);
  });

  it('does not interpolate values brought in by a variable (no recursion)', () => {
    const f = read('a: ${A}\n', { A: '${B}', B: 'leak' });
    expect(f.data).toEqual({ a: '${B}' });
  });
});
