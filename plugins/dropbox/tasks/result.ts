// Building a TaskResult: every action carries its reason (what a dry run prints), and
// a task that could not do part of its work fails at the end, after doing the rest,
// so nothing fails silently and one bad file does not stop a backup.
import {
  toCoded,
  type CodedError,
  type ErrorKind,
  type TaskAction,
  type TaskLink,
  type TaskOutput,
  type TaskResult,
} from '../../../src/plugin.ts';
import { worstKind } from '../error-codes.ts';
import type { PacerStats } from '../api/pacer.ts';

export class ResultBuilder {
  readonly counts: Record<string, number> = {};
  bytes = 0;
  /** Files transferred, copied or moved. */
  files = 0;
  readonly actions: TaskAction[] = [];
  readonly warnings: string[] = [];
  readonly failures: string[] = [];
  readonly links: TaskLink[] = [];
  /** Kinds of the failures, so the task's error tells the scheduler whether a retry can help. */
  private readonly failureKinds: ErrorKind[] = [];
  /** The connection's throttle count when the task started (the client outlives a run). */
  private readonly throttledBefore: number;

  /** With the task's connection, the result counts the 429s this run waited out as `throttled`. */
  constructor(private readonly connection?: { stats(): PacerStats }) {
    this.throttledBefore = connection?.stats().throttled ?? 0;
  }

  count(key: string, n = 1): void {
    this.counts[key] = (this.counts[key] ?? 0) + n;
  }

  /** One file transferred, copied or moved, with the bytes that crossed the wire (0 for a server-side copy). */
  moved(bytes: number): void {
    this.files++;
    this.bytes += bytes;
  }

  act(action: string, target: string, reason: string, bytes?: number): void {
    this.actions.push(bytes === undefined ? { action, target, reason } : { action, target, reason, bytes });
  }

  /** A link made to `target`, for the result (and so the run record and its notification). */
  link(target: string, url: string, expires?: string): void {
    this.links.push(expires ? { target, url, expires } : { target, url });
  }

  /** Something skipped that the user should know about; the task still succeeds. */
  warn(message: string): void {
    this.warnings.push(message);
    this.count('warnings');
  }

  /** Something that should have happened and did not; the task fails when done. */
  fail(target: string, err: unknown): void {
    const coded = toCoded(err);
    const msg = coded.message;
    this.failureKinds.push(coded.kind);
    this.failures.push(`${target}: ${msg}`);
    this.count('failed');
    this.act('failed', target, msg);
  }

  /** Appends what `part` recorded (work done apart, e.g. one of several files in flight). */
  absorb(part: ResultBuilder): void {
    for (const [key, n] of Object.entries(part.counts)) this.count(key, n);
    this.bytes += part.bytes;
    this.files += part.files;
    this.actions.push(...part.actions);
    this.warnings.push(...part.warnings);
    this.links.push(...part.links);
    this.failures.push(...part.failures);
    this.failureKinds.push(...part.failureKinds);
  }

  finish(output?: TaskOutput): TaskResult {
    // Another job on the same connection at the same time adds its 429s here too: the
    // pacer is shared, so they slowed this run as much.
    const throttled = (this.connection?.stats().throttled ?? 0) - this.throttledBefore;
    if (throttled > 0) this.count('throttled', throttled);
    const result: TaskResult = {
      counts: this.counts,
      bytes: this.bytes,
      files: this.files,
      actions: this.actions,
      warnings: this.warnings,
    };
    if (output) result.output = output;
    if (this.links.length) result.links = this.links;
    if (this.failures.length) throw new TaskFailedError(this.failures, result, worstKind(this.failureKinds));
    return result;
  }
}

/** Thrown when some items failed; `result` still reports what was done. */
export class TaskFailedError extends Error implements CodedError {
  readonly code = 'DBX_ITEMS_FAILED';
  constructor(
    readonly failures: string[],
    readonly result: TaskResult,
    readonly kind: ErrorKind = 'transient',
  ) {
    super(
      `${failures.length} item${failures.length === 1 ? '' : 's'} failed: ${failures[0]}${failures.length > 1 ? ` (and ${failures.length - 1} more)` : ''}`,
    );
    this.name = 'TaskFailedError';
  }
}
