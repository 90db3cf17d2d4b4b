// Building a TaskResult: every action carries its reason (what a dry run prints), and
// a task that could not do part of its work fails at the end, after doing the rest,
// so nothing fails silently and one bad file does not stop a backup.
import {
  toCoded,
  type CodedError,
  type ErrorKind,
  type TaskAction,
  type TaskOutput,
  type TaskResult,
} from '../../../src/plugin.ts';
import { worstKind } from '../error-codes.ts';

export class ResultBuilder {
  readonly counts: Record<string, number> = {};
  bytes = 0;
  readonly actions: TaskAction[] = [];
  readonly warnings: string[] = [];
  readonly failures: string[] = [];
  /** Kinds of the failures, so the task's error tells the scheduler whether a retry can help. */
  private readonly failureKinds: ErrorKind[] = [];

  count(key: string, n = 1): void {
    this.counts[key] = (this.counts[key] ?? 0) + n;
  }

  act(action: string, target: string, reason: string, bytes?: number): void {
    this.actions.push(bytes === undefined ? { action, target, reason } : { action, target, reason, bytes });
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

  finish(output?: TaskOutput): TaskResult {
    const result: TaskResult = {
      counts: this.counts,
      bytes: this.bytes,
      actions: this.actions,
      warnings: this.warnings,
    };
    if (output) result.output = output;
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
