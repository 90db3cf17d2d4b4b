// The daemon's Prometheus metrics, counted from events alone: the scheduler's (runs,
// tasks, timer fires) and the plugins' (remote calls, retries, token refreshes).
// Nothing here knows a service: a route or a task type is a label like any other.
// Each instance has its own Registry (never prom-client's global one), so two daemons
// in one process, as the tests run them, never count into each other.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventEmitter } from 'node:events';
import type { SchedulerEventMap, SchedulerEvents } from '../scheduler/events.ts';
import type { RemoteEventMap, RemoteEvents } from './remote-events.ts';

/** Where the current number of running and waiting runs is read at each scrape. */
export type LoadSource = () => { running: number; queued: number };

export interface MetricsSources {
  scheduler?: SchedulerEvents;
  remote: RemoteEvents;
  load?: LoadSource;
}

// Runs last seconds (a listing) to hours (a first backup of a large folder).
const RUN_SECONDS = [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600];
// A timer that fires a second late is fine; one 30 s late means a blocked event loop.
const LATENESS_SECONDS = [0.005, 0.025, 0.1, 0.5, 1, 5, 30, 120];

export class Metrics {
  readonly registry = new Registry();
  private readonly off: Array<() => void> = [];

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Counter({ name, help, labelNames, registers });
    const runs = counter('dropcron_runs_total', 'Runs that ended, by job and outcome (dry runs are not counted).', [
      'job',
      'outcome',
    ]);
    // Not by job: a daemon with 1,000 jobs would export 10,000 bucket series.
    const duration = new Histogram({
      name: 'dropcron_run_duration_seconds',
      help: 'How long runs took (skipped runs are not counted).',
      buckets: RUN_SECONDS,
      registers,
    });
    const bytes = counter('dropcron_transferred_bytes_total', 'Bytes moved by tasks, by task type.', ['task']);
    const files = counter(
      'dropcron_transferred_files_total',
      'Files moved, copied or transferred by tasks, by task type.',
      ['task'],
    );
    const calls = counter(
      'dropcron_remote_calls_total',
      'HTTP attempts to remote services, by connection, route and status (0: no answer).',
      ['connection', 'route', 'status'],
    );
    const throttled = counter(
      'dropcron_remote_rate_limited_total',
      'Remote calls answered 429 (rate limited), by connection.',
      ['connection'],
    );
    const retries = counter('dropcron_remote_retries_total', 'Remote calls tried again, by connection.', [
      'connection',
    ]);
    const refreshes = counter(
      'dropcron_token_refreshes_total',
      'Access token refreshes, by connection and result (ok, failed).',
      ['connection', 'result'],
    );
    const lateness = new Histogram({
      name: 'dropcron_schedule_lateness_seconds',
      help: 'How long after its slot a job timer fired.',
      buckets: LATENESS_SECONDS,
      registers,
    });
    const load = sources.load;
    const gauge = (name: string, help: string, read: (l: ReturnType<LoadSource>) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          if (load) this.set(read(load()));
        },
      });
    gauge('dropcron_jobs_running', 'Runs in progress.', (l) => l.running);
    gauge(
      'dropcron_jobs_queued',
      'Runs waiting: behind a running run of their job (overlap: queue), or for a free slot (maxConcurrentJobs).',
      (l) => l.queued,
    );

    if (sources.scheduler) {
      const on = this.listen<SchedulerEventMap>(sources.scheduler);
      on('run:end', ({ run }) => {
        if (run.dryRun) return;
        runs.inc({ job: run.job, outcome: run.outcome });
        if (run.outcome !== 'skipped') duration.observe(run.durationMs / 1000);
      });
      on('task:end', (e) => {
        if (e.dryRun) return;
        bytes.inc({ task: e.task }, e.bytes);
        files.inc({ task: e.task }, e.files);
      });
      on('schedule:fire', (e) => lateness.observe(e.lateMs / 1000));
    }
    const on = this.listen<RemoteEventMap>(sources.remote);
    on('remote:call', (e) => {
      calls.inc({ connection: e.connection, route: e.route, status: String(e.status) });
      if (e.status === 429) throttled.inc({ connection: e.connection });
    });
    on('remote:retry', (e) => retries.inc({ connection: e.connection }));
    on('remote:token-refresh', (e) => refreshes.inc({ connection: e.connection, result: e.ok ? 'ok' : 'failed' }));
  }

  /** The text a scrape gets, in the Prometheus exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops counting (the admin server closed). */
  close(): void {
    for (const off of this.off.splice(0)) off();
  }

  /** Subscribes `em`'s events, each unsubscribed again by close(). */
  private listen<M extends Record<keyof M, unknown[]>>(em: EventEmitter<any>) {
    return <K extends keyof M & string>(event: K, f: (...a: M[K]) => void): void => {
      const listener = f as (...a: unknown[]) => void;
      em.on(event, listener);
      this.off.push(() => em.off(event, listener));
    };
  }
}
