// File masks: a small glob matcher (no dependency) and the regex escape hatch.
// `*` and `?` never cross a '/', `**` does; a mask without '/' is matched against the
// name alone, a mask with '/' against the path relative to the task's folder, so
// `*.txt` finds text files at any depth and `logs/**/*.gz` only under logs/.

export interface MaskOptions {
  /** Masks are regular expressions instead of globs. */
  regex?: boolean;
  /** Default false: Dropbox itself is case-insensitive. */
  caseSensitive?: boolean;
}

export interface Mask {
  source: string;
  /** Matched against the relative path rather than the name. */
  onPath: boolean;
  re: RegExp;
}

/** Turns one glob into an anchored regular expression source. */
export function globToRegexSource(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        // `**/` also matches no folder at all, so `a/**/b` finds a/b.
        if (glob[i + 1] === '/') {
          i++;
          out += '(?:.*/)?';
        } else out += '.*';
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return `^${out}$`;
}

/** Compiles masks; throws a SyntaxError naming the mask when a regex is invalid. */
export function compileMasks(masks: readonly string[], opts: MaskOptions = {}): Mask[] {
  const flags = opts.caseSensitive ? 'u' : 'iu';
  return masks.map((source) => {
    let re: RegExp;
    try {
      re = new RegExp(opts.regex ? source : globToRegexSource(source.normalize('NFC')), flags);
    } catch (err) {
      throw new SyntaxError(`'${source}' is not a valid regular expression: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return { source, onPath: source.includes('/'), re };
  });
}

/** True when any mask matches; `relPath` uses '/' separators. */
export function matchesAny(masks: readonly Mask[], relPath: string): boolean {
  const path = relPath.normalize('NFC');
  const name = path.slice(path.lastIndexOf('/') + 1);
  return masks.some((m) => m.re.test(m.onPath ? path : name));
}

/** Masks may be written as a list or as one string separated by ';' (VisualCron style). */
export function maskList(v: string | readonly string[] | undefined, regex = false): string[] {
  if (v === undefined) return [];
  // A regular expression may itself contain ';', so only globs are split.
  const list = typeof v === 'string' ? (regex ? [v] : v.split(';')) : [...v];
  return list.map((s) => s.trim()).filter((s) => s !== '');
}
