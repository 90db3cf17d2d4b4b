// What the scheduler tells the outside world (the admin UI streams these as SSE).
// Payloads carry names, counts and one-line messages only: never a connection
// definition, a token or an options object, so they are safe to send to a browser.
import { EventEmitter } from 'node:events';
import type { RunRecord, RunTrigger } from '../store/history.ts';
import type { RunProgressSnapshot } from './run-progress.ts';
import type { TaskAction } from '../plugin.ts';

export interface RunStartEvent {
  runId: string;
  job: string;
  trigger: RunTrigger;
  attempt: number;
  dryRun: boolean;
  startedAt: string;
}

/** The run's overall progress (files, bytes, rate, time left) and the items in flight. */
export interface RunProgressEvent extends RunProgressSnapshot {
  runId: string;
  job: string;
  /** Task type of the report that caused this event, e.g. `upload`. */
  task: string;
}

export interface RunLogEvent {
  runId: string;
  job: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
}

/** What a dry run's task would do: the same actions `dropcron run --dry-run` prints. */
export interface RunPlanEvent {
  runId: string;
  job: string;
  task: string;
  actions: TaskAction[];
}

export interface RunEndEvent {
  run: RunRecord;
}

/** One task of a run is over (done, or failed after doing part of its work). */
export interface TaskEndEvent {
  runId: string;
  job: string;
  /** Task type, e.g. `upload`. */
  task: string;
  dryRun: boolean;
  /** What the task moved (TaskResult.bytes and files). */
  bytes: number;
  files: number;
}

/** A job's timer fired; `lateMs` is how long after its slot. */
export interface ScheduleFireEvent {
  job: string;
  scheduledAt: string;
  lateMs: number;
}

export interface SchedulerEventMap {
  'run:start': [RunStartEvent];
  'run:progress': [RunProgressEvent];
  'run:log': [RunLogEvent];
  'run:plan': [RunPlanEvent];
  'run:end': [RunEndEvent];
  'task:end': [TaskEndEvent];
  'schedule:fire': [ScheduleFireEvent];
}

export class SchedulerEvents extends EventEmitter<SchedulerEventMap> {
  constructor() {
    super();
    // One SSE client per browser tab listens; more than ten tabs is not a leak.
    this.setMaxListeners(100);
  }
}
