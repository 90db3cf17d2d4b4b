// Wall-clock time in an IANA time zone. Intl is the only zone database Node has, so
// every zone computation (cron's spring-forward rule, `{date}` placeholders, dates in
// filters) reads the clock through zonedParts.

/** Zero-padded wall-clock fields: yyyy "2026", MM "03", dd "29", HH "02", mm "00", ss "00". */
export interface ZonedParts {
  yyyy: string;
  MM: string;
  dd: string;
  HH: string;
  mm: string;
  ss: string;
}

/** One formatter per zone: building one costs far more than using it, and the cron scan asks often. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock fields of `at` in `timezone`. */
export function zonedParts(at: Date | number, timezone: string): ZonedParts {
  let fmt = formatters.get(timezone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, fmt);
  }
  const p: Record<string, string> = {};
  for (const part of fmt.formatToParts(at)) p[part.type] = part.value;
  return { yyyy: p.year!, MM: p.month!, dd: p.day!, HH: p.hour!, mm: p.minute!, ss: p.second! };
}

/** The wall clock of `at` in `timezone` as "naive" ms: its fields read as if they were UTC. */
export function naiveMs(at: Date | number, timezone: string): number {
  const z = zonedParts(at, timezone);
  return Date.UTC(+z.yyyy, +z.MM - 1, +z.dd, +z.HH, +z.mm, +z.ss);
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
  for (let i = 0; i < 2; i++) guess += wanted - naiveMs(guess, timezone);
  return new Date(guess);
}
