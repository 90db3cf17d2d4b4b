// The filters every task shares (VisualCron's file filter): masks, recursion,
// excluded folders, date and size windows, then sort and limit. Local files and
// Dropbox entries are both reduced to a `Candidate` first, so one code path decides.
import { parseDuration } from '../../../src/plugin.ts';
import { compileMasks, matchesAny, maskList } from './glob.ts';
import { wallTimeToDate } from '../../../src/plugin.ts';

export type Masks = string | string[];

export interface FilterOptions {
  include?: Masks;
  exclude?: Masks;
  regex?: boolean;
  caseSensitive?: boolean;
  recursive?: boolean;
  excludeFolders?: Masks;
  newerThan?: string;
  olderThan?: string;
  minSize?: string | number;
  maxSize?: string | number;
  sort?: { by: 'name' | 'size' | 'modified'; order?: 'asc' | 'desc' };
  limit?: number;
}

/** A file or folder as the filters see it. */
export interface Candidate {
  /** Path relative to the task's folder, '/'-separated, no leading slash. */
  relPath: string;
  folder: boolean;
  size?: number;
  /** Undefined when unknown (a Dropbox folder has no date): date filters never match it. */
  modified?: Date;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};
export const SIZE_PATTERN = '^\\s*[0-9]+(\\.[0-9]+)?\\s*([kKmMgGtT][iI]?)?[bB]?\\s*$';

/** `10MB` (10^6), `10MiB` (2^20), `512`, `1.5 GiB` -> bytes; undefined when malformed. */
export function parseSize(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]i?b?|b)?\s*$/i.exec(v);
  if (!m) return undefined;
  let unit = (m[2] ?? 'b').toLowerCase();
  if (!unit.endsWith('b')) unit += 'b';
  const mult = SIZE_UNITS[unit];
  return mult === undefined ? undefined : Math.floor(Number(m[1]) * mult);
}

/**
 * A date bound: a duration back from `now` (`30d`, `12h`), or an ISO date or date-time.
 * A date or date-time without an offset is wall time in the job's time zone.
 */
export function parseWhen(v: string, now: Date, timezone: string): Date | undefined {
  const ms = parseDuration(v);
  if (ms !== undefined) return new Date(now.getTime() - ms);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(v.trim());
  if (m) {
    const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as number[];
    if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59 || s! > 59) return undefined;
    return wallTimeToDate(y!, mo!, d!, h!, mi!, s!, timezone);
  }
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(v.trim())) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : new Date(t);
  }
  return undefined;
}

export interface CompiledFilter {
  /** Whether a folder is walked / listed into at all. */
  descend(relFolder: string): boolean;
  /** Whether a candidate passes masks, dates and sizes. */
  accepts(c: Candidate): boolean;
}

/** Compiles the options; throws with a readable message on a bad mask, size or date (check() catches them earlier). */
export function compileFilter(o: FilterOptions, now: Date, timezone: string): CompiledFilter {
  const mopts = { regex: o.regex, caseSensitive: o.caseSensitive };
  const include = compileMasks(maskList(o.include, o.regex), mopts);
  const exclude = compileMasks(maskList(o.exclude, o.regex), mopts);
  // Folder masks are always globs: they name folders, not file patterns.
  const exFolders = compileMasks(maskList(o.excludeFolders), { caseSensitive: o.caseSensitive });
  const newer =
    o.newerThan !== undefined ? req(parseWhen(o.newerThan, now, timezone), `newerThan '${o.newerThan}'`) : undefined;
  const older =
    o.olderThan !== undefined ? req(parseWhen(o.olderThan, now, timezone), `olderThan '${o.olderThan}'`) : undefined;
  const min = o.minSize !== undefined ? req(parseSize(o.minSize), `minSize '${o.minSize}'`) : undefined;
  const max = o.maxSize !== undefined ? req(parseSize(o.maxSize), `maxSize '${o.maxSize}'`) : undefined;
  const recursive = o.recursive === true;

  const folderExcluded = (relFolder: string) => exFolders.length > 0 && matchesAny(exFolders, relFolder);
  const insideExcluded = (relPath: string) => {
    // Without folder masks nothing is inside an excluded folder: skip the split per entry.
    if (exFolders.length === 0) return false;
    const parts = relPath.split('/');
    for (let i = 1; i < parts.length; i++) if (folderExcluded(parts.slice(0, i).join('/'))) return true;
    return false;
  };

  return {
    descend: (relFolder) => recursive && !folderExcluded(relFolder),
    accepts(c) {
      if (!recursive && c.relPath.includes('/')) return false;
      if (insideExcluded(c.relPath)) return false;
      if (c.folder && folderExcluded(c.relPath)) return false;
      if (include.length && !matchesAny(include, c.relPath)) return false;
      if (exclude.length && matchesAny(exclude, c.relPath)) return false;
      if (newer || older) {
        if (!c.modified) return false;
        if (newer && !(c.modified.getTime() > newer.getTime())) return false;
        if (older && !(c.modified.getTime() < older.getTime())) return false;
      }
      if (min !== undefined || max !== undefined) {
        if (c.folder || c.size === undefined) return false;
        if (min !== undefined && c.size < min) return false;
        if (max !== undefined && c.size > max) return false;
      }
      return true;
    },
  };
}

function req<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`${what} is not valid`);
  return v;
}

/** Applies sort and limit. Without a sort, a limit takes the first N by name, so it is deterministic. */
export function sortAndLimit<T extends Candidate>(items: T[], o: Pick<FilterOptions, 'sort' | 'limit'>): T[] {
  const order = candidateOrder(o);
  if (!order) return items;
  const sorted = [...items].sort(order);
  return o.limit !== undefined ? sorted.slice(0, o.limit) : sorted;
}

/** The order sort/limit ask for (a limit alone ranks by name), or undefined when neither is set. */
export function candidateOrder(
  o: Pick<FilterOptions, 'sort' | 'limit'>,
): ((a: Candidate, b: Candidate) => number) | undefined {
  const by = o.sort?.by ?? (o.limit !== undefined ? 'name' : undefined);
  if (!by) return undefined;
  const dir = o.sort?.order === 'desc' ? -1 : 1;
  const key = (c: Candidate): number | string =>
    by === 'size' ? (c.size ?? -1) : by === 'modified' ? (c.modified?.getTime() ?? -Infinity) : c.relPath;
  return (a, b) => {
    const ka = key(a);
    const kb = key(b);
    const d = typeof ka === 'string' ? compareNames(ka, kb as string) : ka - (kb as number);
    return d !== 0 ? d * dir : compareNames(a.relPath, b.relPath);
  };
}

function compareNames(a: string, b: string): number {
  return a.localeCompare(b, 'en', { sensitivity: 'base', numeric: true }) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Problems with filter options, as [path, message], for a task's check(). */
export function filterProblems(o: FilterOptions): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const key of ['include', 'exclude'] as const) {
    for (const m of maskList(o[key], o.regex)) {
      try {
        compileMasks([m], { regex: o.regex });
      } catch (err) {
        out.push([key, (err as Error).message]);
      }
    }
  }
  const now = new Date();
  for (const key of ['newerThan', 'olderThan'] as const) {
    const v = o[key];
    if (v !== undefined && !parseWhen(v, now, 'UTC'))
      out.push([key, `'${v}' is neither a duration (30d, 12h, 90m) nor an ISO date (2026-01-31, 2026-01-31T08:00)`]);
  }
  for (const key of ['minSize', 'maxSize'] as const) {
    const v = o[key];
    if (v !== undefined && parseSize(v) === undefined) out.push([key, `'${v}' is not a size (e.g. 500KB, 10MiB, 2GB)`]);
  }
  const min = o.minSize !== undefined ? parseSize(o.minSize) : undefined;
  const max = o.maxSize !== undefined ? parseSize(o.maxSize) : undefined;
  if (min !== undefined && max !== undefined && min > max)
    out.push(['minSize', `is larger than maxSize, so nothing can match`]);
  if (o.newerThan && o.olderThan) {
    const n = parseWhen(o.newerThan, now, 'UTC');
    const ol = parseWhen(o.olderThan, now, 'UTC');
    if (n && ol && n.getTime() >= ol.getTime())
      out.push(['newerThan', `and olderThan leave no time window, so nothing can match`]);
  }
  return out;
}
