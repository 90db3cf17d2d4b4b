import { describe, it, expect } from 'vitest';
import { Writable } from 'node:stream';
import type { DestinationStream } from 'pino';
import { createLogger } from '../../src/log.ts';
import { tapLogger } from '../../src/scheduler/runner.ts';

describe("a run's live log", () => {
  it('shows info and above even when the daemon logs warnings only; debug only when enabled', () => {
    const written: string[] = [];
    const sink = new Writable({ write: (c, _e, cb) => (written.push(String(c)), cb()) });
    const quiet = createLogger({ level: 'warn', destination: sink as unknown as DestinationStream, pretty: false });
    const seen: string[] = [];
    const log = tapLogger(quiet, (level, msg) => seen.push(`${level} ${msg}`));
    log.debug('chunk 3 sent');
    log.info('uploaded report.csv');
    log.warn('skipped .DS_Store');
    log.error(`token Bearer sl.secret-value refused`);
    expect(seen).toEqual([
      'info uploaded report.csv',
      'warn skipped .DS_Store',
      'error token Bearer [REDACTED] refused',
    ]);
    quiet.flush();
    expect(written.join('')).not.toContain('uploaded report.csv'); // the daemon's own log stays at warn

    const verbose = tapLogger(
      createLogger({ level: 'debug', destination: sink as unknown as DestinationStream, pretty: false }),
      (l, m) => seen.push(`${l} ${m}`),
    );
    verbose.debug('chunk 4 sent');
    expect(seen.at(-1)).toBe('debug chunk 4 sent');
  });
});
