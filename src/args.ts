import { coreErrors } from './errors.ts';
// A small argument parser: flags with values (--config FILE), booleans (--dry-run),
// positionals; unknown flags are errors, never silently ignored.
export interface FlagSpec {
  /** Flag name without dashes. */
  name: string;
  /** Takes a value (`--port 8471`) rather than being a switch. */
  value?: boolean;
  short?: string;
}

export interface ParsedArgs {
  flags: Record<string, string | boolean>;
  positionals: string[];
}

export class UsageError extends Error {
  override name = 'UsageError';
  readonly code = 'DC_USAGE';
  readonly kind = coreErrors.DC_USAGE.kind;
}

export function parseArgs(argv: string[], specs: FlagSpec[]): ParsedArgs {
  const flags: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  const all = [...specs, { name: 'help', short: 'h' }];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      const [rawName, inline] = a.replace(/^--?/, '').split(/=(.*)/s, 2) as [string, string | undefined];
      const spec = all.find((s) => s.name === rawName || ('short' in s && s.short === rawName));
      if (!spec) throw new UsageError(`unknown option ${a}`);
      if ('value' in spec && spec.value) {
        const v = inline ?? argv[++i];
        if (v === undefined) throw new UsageError(`option --${spec.name} needs a value`);
        flags[spec.name] = v;
      } else flags[spec.name] = true;
    } else positionals.push(a);
  }
  return { flags, positionals };
}
