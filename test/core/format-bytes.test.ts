// formatBytes: the one byte format of the CLI, the history and the plugin's messages.
import { describe, it, expect } from 'vitest';
import { formatBytes } from '../../src/format-bytes.ts';

describe('formatBytes', () => {
  it('shows one decimal below 10 of a unit and none from 10 up', () => {
    const KiB = 1024;
    expect([1.5 * KiB, 9.9 * KiB, 12 * KiB ** 2, 200 * KiB ** 2, 2 * KiB ** 3].map(formatBytes)).toEqual([
      '1.5 KiB',
      '9.9 KiB',
      '12 MiB',
      '200 MiB',
      '2.0 GiB',
    ]);
  });

  it('rounds into the next unit instead of printing 1024 or 10.0', () => {
    expect([1023.4, 1023.6, 1024 ** 2 - 1, 9.96 * 1024].map(formatBytes)).toEqual([
      '1023 B',
      '1.0 KiB',
      '1.0 MiB',
      '10 KiB',
    ]);
  });
});
