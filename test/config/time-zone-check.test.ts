// The loader asks whether a job's time zone exists twice per job file at every load;
// with 1,000 jobs in one zone that was 2,000 Intl.DateTimeFormat builds (~60 µs each).
// A zone Intl knows is asked once; one it does not know is never remembered.
import { describe, it, expect, afterEach } from 'vitest';
import { isValidTimeZone } from '../../src/config/load.ts';

const Real = Intl.DateTimeFormat;
let built: string[] = [];

afterEach(() => {
  Intl.DateTimeFormat = Real;
});

/** Counts the formatters built for a zone, building them for real. */
function countBuilds(): void {
  built = [];
  Intl.DateTimeFormat = function (locales?: string | string[], options?: Intl.DateTimeFormatOptions) {
    built.push(String(options?.timeZone));
    return new Real(locales, options);
  } as unknown as typeof Intl.DateTimeFormat;
}

describe('the time zone check', () => {
  it('builds one formatter for a known zone however often it is asked', () => {
    countBuilds();
    for (let i = 0; i < 100; i++) expect(isValidTimeZone('America/Argentina/Ushuaia')).toBe(true);
    expect(built).toEqual(['America/Argentina/Ushuaia']);
  });

  it('answers no for an unknown zone every time', () => {
    countBuilds();
    for (let i = 0; i < 3; i++) expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(built).toEqual(['Mars/Olympus_Mons', 'Mars/Olympus_Mons', 'Mars/Olympus_Mons']);
  });
});
