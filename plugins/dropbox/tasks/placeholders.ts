// `{date}`-style placeholders in paths, evaluated in the job's time zone so a job
// scheduled for 02:00 Europe/Berlin writes to the Berlin date, not the UTC one.
// Separators are '-' and '_' only: ':' is illegal in Windows file names.
import { zonedParts } from '../../../src/plugin.ts';

export interface PlaceholderVars {
  now: Date;
  timezone: string;
  job: string;
}

export const PLACEHOLDERS = ['date', 'time', 'datetime', 'yyyy', 'MM', 'dd', 'HH', 'mm', 'ss', 'job'] as const;
const known = new Set<string>(PLACEHOLDERS);

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
