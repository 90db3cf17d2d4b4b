// `{date}`-style placeholders in paths, evaluated in the job's time zone so a job
// scheduled for 02:00 Europe/Berlin writes to the Berlin date, not the UTC one.
// Separators are '-' and '_' only: ':' is illegal in Windows file names.

export interface PlaceholderVars {
  now: Date;
  timezone: string;
  job: string;
}

export const PLACEHOLDERS = ['date', 'time', 'datetime', 'yyyy', 'MM', 'dd', 'HH', 'mm', 'ss', 'job'] as const;
const known = new Set<string>(PLACEHOLDERS);

export interface ZonedParts {
  yyyy: string;
  MM: string;
  dd: string;
  HH: string;
  mm: string;
  ss: string;
}

/** The wall-clock fields of `at` in `timezone`. */
export function zonedParts(at: Date, timezone: string): ZonedParts {
  const fmt = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const p: Record<string, string> = {};
  for (const part of fmt.formatToParts(at)) p[part.type] = part.value;
  return { yyyy: p.year!, MM: p.month!, dd: p.day!, HH: p.hour!, mm: p.minute!, ss: p.second! };
}

/** Names of placeholders in `text` that are not known, e.g. ['dat'] for '{dat}'. */
export function unknownPlaceholders(text: string): string[] {
  return [...text.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!).filter((n) => !known.has(n));
}

/** Replaces every known placeholder; unknown ones are left alone (check() reports them). */
export function expandPlaceholders(text: string, vars: PlaceholderVars): string {
  if (!text.includes('{')) return text;
  const z = zonedParts(vars.now, vars.timezone);
  const date = `${z.yyyy}-${z.MM}-${z.dd}`;
  const time = `${z.HH}-${z.mm}-${z.ss}`;
  const values: Record<string, string> = { ...z, date, time, datetime: `${date}_${time}`, job: vars.job };
  return text.replace(/\{([^{}]*)\}/g, (all, name: string) => values[name] ?? all);
}

/**
 * The instant at which the wall clock in `timezone` shows the given fields. Two passes
 * of "guess, look at the offset, correct" settle it, DST transitions included.
 */
export function wallTimeToDate(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  timezone: string,
): Date {
  const wanted = Date.UTC(y, mo - 1, d, h, mi, s);
  let guess = wanted;
  for (let i = 0; i < 2; i++) {
    const z = zonedParts(new Date(guess), timezone);
    const shown = Date.UTC(+z.yyyy, +z.MM - 1, +z.dd, +z.HH, +z.mm, +z.ss);
    guess += wanted - shown;
  }
  return new Date(guess);
}
