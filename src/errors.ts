// The one error model: every error that can reach a user carries a stable `code` (like
// undici's UND_ERR_* or fastify's FST_ERR_*), a `kind` that says what retrying can do,
// and a one-line message that names the fix. Errors cross the plugin boundary as these
// objects; the scheduler decides job retries from `kind`, the admin API its HTTP status,
// and run history stores both. ERRORS.md lists every code, generated from the
// catalogues (the core's below and each plugin's) and kept equal by a test.
import { oneLine } from './one-line.ts';
import type { TaskResult } from './plugin.ts';

/**
 * - transient: the same call may work later (network, 5xx, throttling): retried.
 * - no-retry: this step failed and running it again will fail the same way (a path
 *   conflict, a refused request): the task fails, the job is not re-run.
 * - fatal: nothing in this run can succeed until a person acts (a revoked grant, a full
 *   account or disk, a tripped delete guard): the run stops, no retry.
 * - user: the input is wrong (a config value, an argument): fix it and run again.
 */
export type ErrorKind = 'transient' | 'no-retry' | 'fatal' | 'user';
export const ERROR_KINDS: readonly ErrorKind[] = ['transient', 'no-retry', 'fatal', 'user'];

export interface ErrorEntry {
  kind: ErrorKind;
  /** What happened, for the reference. */
  meaning: string;
  /** What the user does about it, for the reference. */
  fix: string;
}

/** Codes to entries; codes are UPPER_SNAKE with a prefix per owner (DC_ core, a plugin its own). */
export type ErrorCatalogue = Readonly<Record<string, ErrorEntry>>;

/** What every error that crosses a boundary looks like, whatever class made it. */
export interface CodedError {
  code: string;
  kind: ErrorKind;
  message: string;
}

/** A coded error of the core's, or of a plugin that has no class hierarchy of its own. */
export class DropcronError extends Error implements CodedError {
  override name = 'DropcronError';
  constructor(
    readonly code: string,
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const coreErrors = {
  DC_CONFIG_INVALID: {
    kind: 'user',
    meaning: 'A config, connection or job file has problems.',
    fix: 'Fix each file:line:col problem printed; `dropcron validate` lists them all.',
  },
  DC_USAGE: {
    kind: 'user',
    meaning: 'A command or API request was given arguments it cannot use.',
    fix: 'Follow the usage line printed with the error (`dropcron <command> --help`).',
  },
  DC_NOT_FOUND: {
    kind: 'user',
    meaning: 'A named job or connection does not exist.',
    fix: 'Use one of the names listed with the error (`dropcron jobs list`, `dropcron connections list`).',
  },
  DC_TIMEOUT: {
    kind: 'transient',
    meaning: 'A job ran longer than its `timeout` and was stopped; what it finished stays done.',
    fix: "Raise the job's `timeout`, or find what made it slow in the run log.",
  },
  DC_ABORTED: {
    kind: 'no-retry',
    meaning: 'The run was stopped on purpose (shutdown, or a stop from the admin UI).',
    fix: 'Nothing; the next scheduled run starts afresh.',
  },
  DC_INTERRUPTED: {
    kind: 'transient',
    meaning: 'The process running the job stopped before the run ended (killed, crashed, power lost).',
    fix: 'Nothing; tasks it finished stay done and the next run does the rest. Check why the process stopped.',
  },
  DC_STATE: {
    kind: 'fatal',
    meaning: "dropcron's state directory or master key cannot be used (missing, unreadable, or readable by others).",
    fix: 'Follow the message: fix the permissions or restore the key named in it.',
  },
  DC_LOCKED: {
    kind: 'transient',
    meaning: 'Another dropcron process holds a lock on a state file.',
    fix: 'Wait for it to finish, or remove a stale lock file left by a crashed process.',
  },
  DC_STORE: {
    kind: 'transient',
    meaning: 'The shared store (PostgreSQL) cannot be reached, so this daemon claims no runs until it can.',
    fix: 'Check the database and the network to it; the other daemons carry on, and this one resumes by itself.',
  },
  DC_INTERNAL: {
    kind: 'transient',
    meaning: 'An error without a code: a bug in dropcron or a plugin.',
    fix: 'Report it with the run log; the job is retried as if the failure were transient.',
  },
} as const satisfies ErrorCatalogue;

export type CoreErrorCode = keyof typeof coreErrors;

/** A core error by code; the kind comes from the catalogue, so it cannot disagree with it. */
export function coreError(code: CoreErrorCode, message: string, options?: { cause?: unknown }): DropcronError {
  return new DropcronError(code, coreErrors[code].kind, message, options);
}

function isCoded(err: unknown): err is CodedError {
  const e = err as Partial<CodedError> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.code === 'string' &&
    /^[A-Z][A-Z0-9_]+$/.test(e.code) &&
    typeof e.message === 'string' &&
    ERROR_KINDS.includes(e.kind as ErrorKind)
  );
}

/**
 * Any thrown value as a coded error. Matches on the fields, never on class names, so
 * errors from another copy of a module (or a plugin) work the same. An abort is
 * DC_ABORTED; anything else without a code is DC_INTERNAL (transient, as before codes).
 */
export function toCoded(err: unknown): CodedError {
  if (isCoded(err)) return { code: err.code, kind: err.kind, message: oneLine(err.message) };
  if (err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR')) {
    return { code: 'DC_ABORTED', kind: 'no-retry', message: oneLine(err) };
  }
  return { code: 'DC_INTERNAL', kind: 'transient', message: oneLine(err) };
}

/**
 * Whether running the whole job again could help. A failure without a kind (a run
 * recorded before errors had kinds) is taken as transient, as it was then.
 */
export function retryable(err: { kind?: ErrorKind }): boolean {
  return err.kind === undefined || err.kind === 'transient';
}

/** The HTTP status an admin API answer gets for an error of this kind. */
export function httpStatus(err: CodedError): number {
  if (err.code === 'DC_NOT_FOUND') return 404;
  switch (err.kind) {
    case 'user':
      return 400;
    case 'no-retry':
      return 422;
    case 'fatal':
      return 409;
    case 'transient':
      return 502;
  }
}

/**
 * What a task that failed part-way may attach to the error it throws: what it did before
 * failing, and one line per item that failed. The run record then keeps the counts and
 * the first failed items instead of only the error.
 */
export interface PartialFailure {
  result: TaskResult;
  failures: string[];
}

export function partialFailureOf(err: unknown): PartialFailure | undefined {
  const e = err as Partial<PartialFailure> | null;
  if (typeof e !== 'object' || e === null || !Array.isArray(e.failures) || typeof e.result !== 'object') return;
  const r = e.result as Partial<TaskResult> | null;
  if (!r || typeof r.counts !== 'object' || !Array.isArray(r.actions) || !Array.isArray(r.warnings)) return;
  return { result: r as TaskResult, failures: e.failures.map(String) };
}
