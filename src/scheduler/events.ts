// What the scheduler tells the outside world (the admin UI streams these as SSE).
// Payloads carry names, counts and one-line messages only: never a connection
// definition, a token or an options object, so they are safe to send to a browser.
import { EventEmitter } from 'node:events';
import type { RunRecord, RunTrigger } from '../store/history.ts';

export interface RunStartEvent {
  runId: string;
  job: string;
  trigger: RunTrigger;
  attempt: number;
  dryRun: boolean;
  startedAt: string;
}

export interface RunProgressEvent {
  runId: string;
  job: string;
  /** Task type, e.g. `upload`. */
  task: string;
  item: string;
  done: number;
  total: number;
}

export interface RunLogEvent {
  runId: string;
  job: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
}

export interface RunEndEvent {
  run: RunRecord;
}

export interface SchedulerEventMap {
  'run:start': [RunStartEvent];
  'run:progress': [RunProgressEvent];
  'run:log': [RunLogEvent];
  'run:end': [RunEndEvent];
}

export class SchedulerEvents extends EventEmitter<SchedulerEventMap> {
  constructor() {
    super();
    // One SSE client per browser tab listens; more than ten tabs is not a leak.
    this.setMaxListeners(100);
  }
}
