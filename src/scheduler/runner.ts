// Runs one job once: leases the connection, runs the tasks in order (each gets the
// previous task's output), enforces the job's timeout through the AbortSignal, and
// turns whatever happened into one RunRecord. Policies (overlap, limits, retries)
// live in scheduler.ts; this file knows nothing about them.
import type { RunMarkers } from '../store/run-markers.ts';
import { coreError, coreErrors, partialFailureOf, toCoded, type CodedError, type ErrorKind } from '../errors.ts';
import { randomUUID } from 'node:crypto';
import type { JobDefinition } from '../config/types.ts';
import type { PlannedWork, Progress, TaskAction, TaskContext, TaskOutput, TaskResult } from '../plugin.ts';
import type { Registry } from '../registry.ts';
import { scrubString, type Logger } from '../log.ts';
import type { RunOutcome, RunRecord, RunTrigger, TaskSummary } from '../store/history.ts';
import type { ConnectionCache } from './connections.ts';
import type { SchedulerEvents, RunLogEvent } from './events.ts';
import { sleep, systemClock, type Clock } from './timers.ts';
import { formatDuration } from '../config/duration.ts';
import { RunProgress } from './run-progress.ts';

export interface RunRequest {
  job: JobDefinition;
  trigger: RunTrigger;
  attempt?: number;
  dryRun?: boolean;
  scheduledAt?: Date;
  /** Chosen by the caller when it must hand the id out before the run starts. */
  id?: string;
  /** The first task's input: what a trigger saw change. */
  input?: TaskOutput;
}

export interface RunnerDeps {
  registry: Registry;
  connections: ConnectionCache;
  log: Logger;
  events?: SchedulerEvents;
  clock?: Clock;
  /**
   * How long an aborted task may take to settle (remove its temp files) before
   * the run is recorded anyway; a task that ignores its signal must not hang
   * shutdown forever.
   */
  abortSettleMs?: number;
  /** Directory that relative local paths in tasks are read from (config.yaml's). */
  baseDir: string;
  /**
   * Where a run leaves its marker while it runs, so a killed run is recorded as
   * interrupted at the next start; the caller removes it once the record is stored.
   */
  markers?: RunMarkers;
}

export interface RunControl {
  /** Aborts the run from outside (shutdown): the outcome is `aborted`. */
  signal?: AbortSignal;
  /** Every progress report, unthrottled (the CLI draws its bars from these). */
  onProgress?(task: string, p: Progress, part: string): void;
  /** A task's announced plan (TaskContext.planned); `part` is as in onProgress (the task's place in the job). */
  onPlanned?(task: string, planned: PlannedWork, part: string): void;
  onTaskStart?(task: string, index: number): void;
}

export interface RunResult {
  record: RunRecord;
  /** Every action each task took or, in a dry run, would take (not kept in history). */
  actions: Array<TaskAction & { task: string }>;
}

/** Why a run was aborted; the signal's reason. */
export class RunAborted extends Error implements CodedError {
  readonly code: 'DC_ABORTED' | 'DC_TIMEOUT';
  readonly kind: ErrorKind;
  constructor(
    readonly outcome: 'aborted' | 'timeout',
    message: string,
  ) {
    super(message);
    this.name = 'RunAborted';
    this.code = outcome === 'timeout' ? 'DC_TIMEOUT' : 'DC_ABORTED';
    this.kind = coreErrors[this.code].kind;
  }
}

const PROGRESS_EVENT_MS = 250;

export function newRunId(): string {
  return randomUUID();
}

export async function runJob(req: RunRequest, deps: RunnerDeps, control: RunControl = {}): Promise<RunResult> {
  const clock = deps.clock ?? systemClock;
  const { job } = req;
  const id = req.id ?? newRunId();
  const attempt = req.attempt ?? 1;
  const dryRun = req.dryRun ?? false;
  const started = clock.now();
  const startedAt = new Date(started).toISOString();
  const runLog = tapLogger(deps.log.child({ job: job.name, runId: id }), (level, msg) =>
    deps.events?.emit('run:log', { runId: id, job: job.name, level, msg }),
  );
  deps.events?.emit('run:start', { runId: id, job: job.name, trigger: req.trigger, attempt, dryRun, startedAt });

  const ctrl = new AbortController();
  const onOuterAbort = () => ctrl.abort(new RunAborted('aborted', 'aborted: dropcron is shutting down'));
  if (control.signal?.aborted) onOuterAbort();
  control.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const timer = new AbortController();
  if (job.timeoutMs !== undefined) {
    sleep(job.timeoutMs, { clock, signal: timer.signal }).then(
      () => ctrl.abort(new RunAborted('timeout', `timed out after ${formatDuration(job.timeoutMs!)}`)),
      () => {},
    );
  }

  const tasks: TaskSummary[] = [];
  const actions: RunResult['actions'] = [];
  const progressOf = progressReporter(id, job.name, deps, clock, control);
  let error: CodedError | undefined;
  let lease: Awaited<ReturnType<ConnectionCache['acquire']>> | undefined;
  runLog.info({ trigger: req.trigger, attempt, dryRun }, `run started (${req.trigger}${dryRun ? ', dry run' : ''})`);
  // A dry run changes nothing, so there is nothing to account for if it is killed. The
  // writes are chained, not awaited, so the run's timing does not wait on the disk; the
  // run waits for the last one before it ends, so the caller's removal comes after it.
  let markerWrites = Promise.resolve();
  const marker = () => {
    if (!deps.markers || dryRun) return;
    const markers = deps.markers;
    const soFar = {
      id,
      job: job.name,
      trigger: req.trigger,
      attempt,
      dryRun,
      startedAt,
      tasks: structuredClone(tasks),
    };
    const bytes = tasks.reduce((n, t) => n + t.bytes, 0);
    const scheduled = req.scheduledAt ? { scheduledAt: req.scheduledAt.toISOString() } : {};
    markerWrites = markerWrites.then(() =>
      markers
        .write({ ...soFar, ...scheduled, bytes })
        .catch((err: unknown) => runLog.warn(`cannot write the run marker: ${(err as Error).message}`)),
    );
  };
  marker();
  try {
    lease = await untilAborted(deps.connections.acquire(job.connection), ctrl.signal, deps.abortSettleMs, clock);
    let input: TaskOutput | undefined = req.input;
    for (const [index, def] of job.tasks.entries()) {
      if (ctrl.signal.aborted) break;
      const type = deps.registry.taskTypes.get(def.type);
      const summary: TaskSummary = { type: def.type, counts: {}, bytes: 0, actions: 0, warnings: [] };
      tasks.push(summary);
      if (!type)
        throw coreError(
          'DC_CONFIG_INVALID',
          `task ${index + 1} (${def.type}): no loaded plugin provides this task type`,
        );
      control.onTaskStart?.(def.type, index);
      const ctx: TaskContext = {
        connection: lease.connection,
        log: tapLogger(deps.log.child({ job: job.name, task: def.type, runId: id }), (level, msg) =>
          deps.events?.emit('run:log', { runId: id, job: job.name, level, msg: `${def.type}: ${msg}` }),
        ),
        signal: ctrl.signal,
        dryRun,
        input,
        ...progressOf(def.type, index),
        vars: {
          now: req.scheduledAt ?? new Date(started),
          timezone: job.timezone,
          job: job.name,
          baseDir: deps.baseDir,
        },
      };
      const took = (result: TaskResult) => {
        summary.counts = { ...result.counts };
        summary.bytes = result.bytes;
        summary.actions = result.actions.length;
        // Warnings and failures are kept in full in the log; history keeps the first few.
        summary.warnings = result.warnings.slice(0, HISTORY_LINES).map(scrubString);
        // Links are what the task was asked to hand out, so they are kept as made, not scrubbed.
        if (result.links?.length) summary.links = result.links.slice(0, LINKS_KEPT);
        for (const w of result.warnings) runLog.warn(`${def.type}: ${w}`);
        for (const a of result.actions) actions.push({ task: def.type, ...a });
        deps.events?.emit('task:end', {
          runId: id,
          job: job.name,
          task: def.type,
          dryRun,
          bytes: result.bytes,
          files: result.files ?? 0,
        });
        // The plan, for the admin UI; a real run's actions are its counts and log.
        if (dryRun)
          deps.events?.emit('run:plan', {
            runId: id,
            job: job.name,
            task: def.type,
            actions: result.actions.map((a) => (a.reason ? { ...a, reason: scrubString(a.reason) } : a)),
          });
      };
      let result: TaskResult;
      try {
        result = await untilAborted(type.run(def.options, ctx), ctrl.signal, deps.abortSettleMs, clock);
      } catch (err) {
        const partial = partialFailureOf(err);
        if (partial) {
          took(partial.result);
          for (const f of partial.failures) runLog.error(`${def.type}: failed ${f}`);
          summary.failures = partial.failures.slice(0, HISTORY_LINES).map(scrubString);
          if (partial.failures.length > HISTORY_LINES) summary.failedItems = partial.failures.length;
        }
        const coded = toCoded(err);
        Object.assign(summary, { error: scrubString(coded.message), code: coded.code, kind: coded.kind });
        throw new TaskFailed({ ...coded, message: `task ${index + 1} (${def.type}): ${coded.message}` });
      }
      took(result);
      input = result.output;
      marker();
    }
  } catch (err) {
    error = err instanceof TaskFailed ? err.coded : toCoded(err);
  } finally {
    await markerWrites;
    timer.abort();
    control.signal?.removeEventListener('abort', onOuterAbort);
    lease?.release();
  }

  // An abort wins over whatever error the task threw because of it.
  let outcome: RunOutcome = error ? 'failed' : 'success';
  if (ctrl.signal.aborted) {
    const reason = ctrl.signal.reason as RunAborted;
    outcome = reason.outcome;
    error = toCoded(reason);
  }
  const ended = clock.now();
  const record: RunRecord = {
    id,
    job: job.name,
    trigger: req.trigger,
    attempt,
    dryRun,
    ...(req.scheduledAt ? { scheduledAt: req.scheduledAt.toISOString() } : {}),
    startedAt,
    endedAt: new Date(ended).toISOString(),
    durationMs: ended - started,
    outcome,
    ...(error ? { error: scrubString(error.message), code: error.code, kind: error.kind } : {}),
    bytes: tasks.reduce((n, t) => n + t.bytes, 0),
    tasks,
  };
  if (outcome === 'success')
    runLog.info(
      { durationMs: record.durationMs, bytes: record.bytes },
      `run succeeded in ${formatDuration(record.durationMs)}`,
    );
  else runLog.error({ outcome, durationMs: record.durationMs }, `run ${outcome}: ${record.error}`);
  return { record, actions };
}

/** Warnings and failed items a run record keeps per task (the log has them all). */
const HISTORY_LINES = 20;
/** Links a run record keeps per task: enough for a notification, bounded like the rest of the record. */
export const LINKS_KEPT = 1000;

/** A task's error, its message prefixed with which task it was. */
class TaskFailed extends Error {
  constructor(readonly coded: CodedError) {
    super(coded.message);
  }
}

/**
 * Waits for `p`; once `signal` aborts, waits at most `settleMs` more for it to
 * settle (tasks clean up on abort) and then gives up on it.
 */
async function untilAborted<T>(
  p: Promise<T>,
  signal: AbortSignal,
  settleMs = 10_000,
  clock: Clock = systemClock,
): Promise<T> {
  if (signal.aborted && settleMs === 0) throw signal.reason;
  let onAbort: (() => void) | undefined;
  const settled = new AbortController();
  const giveUp = new Promise<never>((_, reject) => {
    onAbort = () =>
      void sleep(settleMs, { clock, signal: settled.signal }).then(
        () => reject(signal.reason),
        () => {},
      );
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([p, giveUp]);
  } finally {
    settled.abort();
    signal.removeEventListener('abort', onAbort!);
  }
}

/**
 * The progress callback of each task of one run: every report goes to the CLI as it
 * is; the event stream gets the run's overall progress (src/scheduler/run-progress.ts),
 * a few times a second and always once everything seen has finished.
 */
function progressReporter(runId: string, job: string, deps: RunnerDeps, clock: Clock, control: RunControl) {
  const model = new RunProgress(clock);
  let lastEmit = -Infinity;
  const emit = (task: string, force: boolean) => {
    const now = clock.now();
    if (!force && now - lastEmit < PROGRESS_EVENT_MS && !model.allDone()) return;
    lastEmit = now;
    deps.events?.emit('run:progress', { runId, job, task, ...model.snapshot() });
  };
  return (task: string, index: number): Pick<TaskContext, 'progress' | 'planned'> => {
    // Items and plans are kept per task of the job, so two tasks of one type do not mix.
    const part = String(index);
    return {
      progress(p) {
        control.onProgress?.(task, p, part);
        if (!deps.events) return;
        model.update(task, p, part);
        emit(task, false);
      },
      // A plan comes once or twice a task: shown at once, so the totals are there before the first file moves.
      planned(planned) {
        control.onPlanned?.(task, planned, part);
        if (!deps.events) return;
        model.plan(part, planned);
        emit(task, true);
      },
    };
  };
}

const TAPPED = ['debug', 'info', 'warn', 'error'] as const;

/**
 * A logger that also reports each line to `onLine` (the run:log event, the admin
 * UI's live log). Only the message text goes out, scrubbed; the structured fields
 * stay in the log. Info and above always reach it, whatever the daemon's own log level: someone
 * watching a run wants to see it even when the daemon logs warnings only.
 */
export function tapLogger(log: Logger, onLine: (level: RunLogEvent['level'], msg: string) => void): Logger {
  return new Proxy(log, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !(TAPPED as readonly string[]).includes(prop) || typeof value !== 'function')
        return value;
      const level = prop as RunLogEvent['level'];
      return (...args: unknown[]) => {
        if (level !== 'debug' || target.isLevelEnabled(level)) {
          const msg =
            typeof args[0] === 'string'
              ? args[0]
              : typeof args[1] === 'string'
                ? args[1]
                : args[0] instanceof Error
                  ? args[0].message
                  : '';
          if (msg) onLine(level, scrubString(msg));
        }
        return (value as (...a: unknown[]) => void).apply(target, args);
      };
    },
  });
}
