// The log lines and latest progress of recent runs, kept in memory so a page opened
// mid-run (or just after) can show them; SSE carries the live ones.
import type { AdminScheduler } from './context.ts';
import type { RunLogEvent, RunPlanEvent, RunProgressEvent } from '../scheduler/events.ts';
import type { TaskAction } from '../plugin.ts';

const RUNS = 50;
const LINES = 1000;
/** A dry run's actions kept for its table; the count of all is kept too. */
const PLANNED = 2000;

export interface RunView {
  runId: string;
  job: string;
  lines: Array<{ at: string; level: RunLogEvent['level']; msg: string }>;
  progress?: Omit<RunProgressEvent, 'runId' | 'job'>;
  /** A dry run's plan: what each task would do, why, and how many bytes. */
  plan: Array<TaskAction & { task: string }>;
  planned: number;
  ended: boolean;
}

export class RunLogs {
  private readonly runs = new Map<string, RunView>();
  /** Detaches from the scheduler (the admin server closed; the scheduler lives on). */
  readonly close: () => void;

  constructor(scheduler: AdminScheduler | undefined) {
    if (!scheduler) {
      this.close = () => {};
      return;
    }
    const ev = scheduler.events;
    const start = (e: { runId: string; job: string }) => void this.view(e.runId, e.job);
    const log = (e: RunLogEvent) => {
      const v = this.view(e.runId, e.job);
      if (v.lines.length < LINES) v.lines.push({ at: new Date().toISOString(), level: e.level, msg: e.msg });
    };
    const progress = (e: RunProgressEvent) => {
      const { runId: _id, job: _job, ...progress } = e;
      this.view(e.runId, e.job).progress = progress;
    };
    const plan = (e: RunPlanEvent) => {
      const v = this.view(e.runId, e.job);
      v.planned += e.actions.length;
      for (const a of e.actions.slice(0, PLANNED - v.plan.length)) v.plan.push({ task: e.task, ...a });
    };
    const end = (e: { run: { id: string; job: string } }) => {
      this.view(e.run.id, e.run.job).ended = true;
    };
    ev.on('run:start', start);
    ev.on('run:log', log);
    ev.on('run:progress', progress);
    ev.on('run:plan', plan);
    ev.on('run:end', end);
    this.close = () => {
      ev.off('run:start', start);
      ev.off('run:log', log);
      ev.off('run:progress', progress);
      ev.off('run:plan', plan);
      ev.off('run:end', end);
    };
  }

  get(runId: string): RunView | undefined {
    return this.runs.get(runId);
  }

  private view(runId: string, job: string): RunView {
    let v = this.runs.get(runId);
    if (!v) {
      v = { runId, job, lines: [], plan: [], planned: 0, ended: false };
      this.runs.set(runId, v);
      while (this.runs.size > RUNS) this.runs.delete(this.runs.keys().next().value!);
    }
    return v;
  }
}
