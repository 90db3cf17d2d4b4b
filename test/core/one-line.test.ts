// oneLine: every one-line answer (CLI, history, admin API, quoted service bodies) goes through it.
import { describe, it, expect } from 'vitest';
import { oneLine } from '../../src/one-line.ts';

describe('oneLine', () => {
  it("keeps the first line of an error's message, never the detail below it", () => {
    expect(oneLine(new Error('  remote folder is gone \n    at a stack line'))).toBe('remote folder is gone');
  });

  it('keeps all a pretty-printed body says, on one line', () => {
    expect(oneLine('{\n  "error":\t"invalid_grant"\n}')).toBe('{ "error": "invalid_grant" }');
  });

  it('caps text from outside and marks the cut', () => {
    expect(oneLine('x'.repeat(10), 4)).toBe('xxxx…');
    expect(oneLine('abcd', 4)).toBe('abcd');
    expect(oneLine(new Error('y'.repeat(1000))).length).toBe(1000);
  });

  it("gives an error's name when its first line is empty, and nothing for an empty body", () => {
    expect(oneLine(new TypeError('\nsecond line only'))).toBe('TypeError');
    expect(oneLine(' \n ')).toBe('');
    expect(oneLine(42)).toBe('42');
  });
});
