// One logger for the whole daemon: JSON lines to stdout, pretty only on a TTY,
// and secrets censored wherever they sit in a logged object (keys: src/secret-keys.ts).
import pino, { type Logger, type DestinationStream } from 'pino';
import { isSecretKey } from './secret-keys.ts';

export type { Logger };

export const REDACTED = '[REDACTED]';

/** A copy of `value` with every secret field, at any depth, replaced by [REDACTED]. */
export function redact(value: unknown, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (value instanceof Error) {
    return { type: value.name, message: value.message, ...(redact({ ...value }, seen) as object) };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null && v !== '' ? REDACTED : redact(v, seen);
  }
  return out;
}

export interface LogOptions {
  level?: string;
  /** Where lines go; defaults to stdout. Tests pass a sink. */
  destination?: DestinationStream;
  pretty?: boolean;
}

/**
 * pino's own `redact` matches fixed paths only (`*` is one level), which leaked
 * `deep.a.appSecret` when tried; so every logged object is walked instead, by a
 * formatter that runs before serialisation.
 */
export function createLogger(opts: LogOptions = {}): Logger {
  const pretty = opts.pretty ?? (opts.destination === undefined && process.stdout.isTTY === true);
  const options: pino.LoggerOptions = {
    level: opts.level ?? 'info',
    base: undefined,
    formatters: {
      log: (obj) => redact(obj) as Record<string, unknown>,
      // Child-logger bindings are serialised once, apart from each line's object.
      bindings: (b) => redact(b) as Record<string, unknown>,
    },
    serializers: { err: (e: unknown) => redact(e) },
    hooks: {
      // Messages themselves can carry secrets when someone interpolates a token into
      // a string; scrub bearer tokens and URL credentials as a last line of defence.
      logMethod(args, method) {
        const scrubbed = args.map((a) => (typeof a === 'string' ? scrubString(a) : a));
        method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
  };
  const log = pretty
    ? pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } })
    : pino(options, opts.destination ?? pino.destination({ fd: 1, sync: false }));
  return redactingChildren(log);
}

/**
 * pino applies `formatters.bindings` to the root only (children reset it), so child
 * bindings such as `log.child({ connection })` are redacted here, at every level.
 */
function redactingChildren(log: Logger): Logger {
  const child = log.child.bind(log);
  log.child = ((bindings: pino.Bindings, options?: pino.ChildLoggerOptions) =>
    redactingChildren(child(redact(bindings) as pino.Bindings, options))) as unknown as Logger['child'];
  return log;
}

/** Removes bearer tokens and user:password@ credentials from free text. */
export function scrubString(s: string): string {
  return s
    .replace(/(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`)
    .replace(/(\/\/)[^/\s:@]+:[^/\s@]+@/g, `$1${REDACTED}@`);
}
