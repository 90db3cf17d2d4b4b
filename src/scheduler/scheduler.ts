// The scheduler: a cron timer for each enabled job (jobs on one schedule share it),
// and the policies around each run: overlap (skip | queue), a global limit on jobs
// running at once, retries with backoff, catch-up after downtime, history,
// notifications and graceful shutdown.
// This file orchestrates; each policy's rule lives in its own file (imports below).
import { logInterrupted, recordInterrupted, type RunMarkers } from '../store/run-markers.ts';
import { coreError } from '../errors.ts';
import { dirname } from 'node:path';
import type { ConnectionDefinition, DaemonConfig, JobDefinition } from '../config/types.ts';
import type { Registry } from '../registry.ts';
import type { Logger } from '../log.ts';
import type { OwnedServices } from '../services.ts';
import { formatDuration } from '../config/duration.ts';
import type { RunHistory, RunOutcome, RunRecord, RunTrigger } from '../store/history.ts';
import { startCron, type CronHandle } from './cron.ts';
import { catchUpAfterMissed, missedWhileDown } from './catch-up.ts';
import { claimRun } from './claim-run.ts';
import type { ClaimOutcome, StoreHealth } from '../store/store.ts';
import { ConcurrencyLimit } from './concurrency-limit.ts';
import { ConnectionCache } from './connections.ts';
import { SchedulerEvents } from './events.ts';
import { FireTimesStore } from './fire-times.ts';
import type { Active, JobSlot } from './job-slot.ts';
import { notify } from './notify.ts';
import { planRetry } from './retry-decision.ts';
import { notStartedRecord, skippedRecord } from './run-records.ts';
import { newRunId, runJob, RunAborted, type RunRequest } from './runner.ts';
import { sleep, systemClock, type Clock } from './timers.ts';
import { HEARTBEAT_MS, stuckTimers } from './watchdog.ts';
import { startTrigger } from './triggers.ts';
import { PendingChanges, type Taken } from './pending-changes.ts';
import type { TaskOutput } from '../plugin.ts';

/** History files read side by side for the jobs' last outcomes. */
const HISTORY_READS_AT_ONCE = 32;
/** How often the scheduler looks for runs whose runner died, and at the store's health. */
export const RECOVER_MS = 10_000;

export interface SchedulerOptions {
  config: DaemonConfig;
  registry: Registry;
  services: OwnedServices;
  log: Logger;
  clock?: Clock;
  /** Jitter source for retry backoff (tests pass a constant). */
  random?: () => number;
  /** See RunnerDeps.abortSettleMs. */
  abortSettleMs?: number;
}

export interface JobHealth {
  name: string;
  enabled: boolean;
  /** null when only a trigger starts the job. */
  schedule: string | null;
  timezone: string;
  /** ISO time of the next scheduled run; null when disabled. */
  nextRun: string | null;
  lastOutcome: RunOutcome | null;
  lastRunAt: string | null;
  running: boolean;
  /** The id of the run in progress, for the live progress stream. */
  runId: string | null;
}

export interface Health {
  /** ISO time of the scheduler's last timer tick (the 30 s heartbeat, or a cron fire). */
  lastTick: string;
  /** Whether the store answers; a daemon cut off from a shared store claims no runs. */
  store: StoreHealth;
  jobs: JobHealth[];
}

export class Scheduler {
  readonly events = new SchedulerEvents();
  readonly history: RunHistory;
  private readonly markers: RunMarkers;
  private readonly jobs = new Map<string, JobSlot>();
  private readonly connections: ConnectionCache;
  private readonly fireTimes: FireTimesStore;
  private readonly pending: PendingChanges;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly limit: ConcurrencyLimit;
  private lastTick: number;
  private heartbeat: NodeJS.Timeout | undefined;
  private recovery: NodeJS.Timeout | undefined;
  /** The store's last health, to log each change once. */
  private storeOk = true;
  private stopping: Promise<void> | undefined;

  constructor(private readonly opts: SchedulerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log.child({ part: 'scheduler' });
    this.history = opts.services.store.history;
    this.markers = opts.services.store.markers;
    this.connections = new ConnectionCache(opts.registry, opts.services);
    this.fireTimes = new FireTimesStore(opts.services.store.fireTimes, (err) =>
      this.log.error({ err }, 'cannot save scheduler state'),
    );
    this.limit = new ConcurrencyLimit(opts.config.maxConcurrentJobs);
    this.pending = new PendingChanges(opts.services.store);
    this.lastTick = this.clock.now();
  }

  /** Schedules `jobs`, then runs once each `catchUp` job that missed a slot while the daemon was down. */
  async start(jobs: JobDefinition[], connections: ConnectionDefinition[]): Promise<void> {
    await this.fireTimes.load();
    // Listed in every daemon's cluster view while it runs (and its heartbeat beats).
    await this.opts.services.store.registerDaemon();
    const lost = await recordInterrupted(this.opts.services.store, this.log);
    this.connections.setDefinitions(connections);
    // Not awaited: each record is checked against its job's trigger whenever it is read.
    this.track(this.forgetChanges(() => this.pending.keepOnly(jobs)));
    this.tick();
    this.heartbeat = setInterval(() => this.watchdog(), HEARTBEAT_MS);
    this.recovery = setInterval(() => this.track(this.recover()), RECOVER_MS);
    const missed: Array<[string, Date]> = [];
    const slots = jobs.map((def) => {
      const prev = this.fireTimes.get(def.name);
      const slot = this.addJob(def);
      const due = missedWhileDown(def, prev, this.clock.now());
      if (due) missed.push([def.name, due]);
      return slot;
    });
    // Not awaited: only health (the admin page, /health) shows the last outcomes, and
    // reading 1,000 history files (up to historyLimit runs each) would hold up the start.
    this.track(this.readLastOutcomes(slots));
    this.retryLost(lost);
    for (const [name, due] of missed) {
      this.log.info(
        { job: name, missed: due.toISOString() },
        `job ${name} missed its run at ${due.toISOString()} while dropcron was down; running it once now`,
      );
      this.trigger(name, 'catch-up', { scheduledAt: due });
    }
    this.log.info({ jobs: jobs.length }, 'scheduler started');
  }

  /** Hot reload: adds, replaces and removes jobs; changed connections get fresh clients. */
  update(
    jobs: JobDefinition[],
    connections: ConnectionDefinition[],
  ): { added: string[]; changed: string[]; removed: string[] } {
    const out = { added: [] as string[], changed: [] as string[], removed: [] as string[] };
    if (this.stopping) return out;
    const added: JobSlot[] = [];
    this.connections.setDefinitions(connections);
    const next = new Map(jobs.map((j) => [j.name, j]));
    for (const [name, slot] of this.jobs) {
      if (next.has(name)) continue;
      slot.cron?.stop();
      slot.watch?.stop();
      slot.retry?.abort();
      clearTimeout(slot.missed?.timer);
      slot.queued = undefined;
      slot.changesFollow = false;
      this.jobs.delete(name);
      this.fireTimes.delete(name);
      // Disabled is not removed: a disabled job keeps its changes for when it is enabled again.
      this.track(this.forgetChanges(() => this.pending.forget(name)));
      out.removed.push(name);
    }
    for (const def of jobs) {
      const slot = this.jobs.get(def.name);
      if (!slot) {
        added.push(this.addJob(def));
        out.added.push(def.name);
      } else if (JSON.stringify(slot.def) !== JSON.stringify(def)) {
        // A run in progress finishes with the definition it started with.
        slot.cron?.stop();
        slot.watch?.stop();
        slot.def = def;
        slot.cron = this.startCron(slot);
        slot.watch = this.startWatch(slot);
        this.saveFireTimes(slot);
        out.changed.push(def.name);
      }
    }
    if (added.length) this.track(this.readLastOutcomes(added));
    if (out.added.length || out.changed.length || out.removed.length) this.log.info(out, 'jobs reloaded');
    return out;
  }

  /** Starts a run now (the admin UI's Run now); returns its id. Follows the job's overlap policy. */
  runNow(job: string, opts: { dryRun?: boolean } = {}): string {
    if (this.stopping) throw coreError('DC_ABORTED', 'dropcron is shutting down');
    if (!this.jobs.has(job)) throw coreError('DC_NOT_FOUND', `no job named '${job}'`);
    return this.trigger(job, 'manual', { dryRun: opts.dryRun });
  }

  health(): Health {
    return {
      lastTick: new Date(this.lastTick).toISOString(),
      store: this.opts.services.store.health(),
      jobs: [...this.jobs.values()].map((s) => ({
        name: s.def.name,
        enabled: s.def.enabled,
        schedule: s.def.schedule ?? null,
        timezone: s.def.timezone,
        nextRun: s.cron?.nextRun()?.toISOString() ?? null,
        lastOutcome: s.lastOutcome,
        lastRunAt: s.lastRunAt,
        running: s.active?.started === true,
        runId: s.active?.started ? s.active.req.id! : null,
      })),
    };
  }

  /** Runs in progress, and runs waiting: behind a running one (overlap: queue) or for a free slot. */
  load(): { running: number; queued: number } {
    let running = 0;
    let queued = 0;
    for (const s of this.jobs.values()) {
      if (s.active?.started) running++;
      else if (s.active) queued++;
      if (s.queued) queued++;
    }
    return { running, queued };
  }

  jobDefinitions(): JobDefinition[] {
    return [...this.jobs.values()].map((s) => s.def);
  }

  connectionDefinitions(): ConnectionDefinition[] {
    return this.connections.definitions();
  }

  /** Resolves when no run, history write or notification is in flight. */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  /**
   * Stops new runs, lets running ones finish for shutdownGraceSeconds, then aborts
   * them through their AbortSignal and waits for them to settle.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.heartbeat);
      clearInterval(this.recovery);
      for (const slot of this.jobs.values()) {
        slot.cron?.stop();
        slot.watch?.stop();
        slot.retry?.abort();
        clearTimeout(slot.missed?.timer);
        if (slot.queued)
          this.log.info({ job: slot.def.name }, `dropping the queued run of ${slot.def.name}: shutting down`);
        slot.queued = undefined;
        // Its changes stay pending in the store, for a run after the next start.
        slot.changesFollow = false;
      }
      const abortAll = (message: string, onlyWaiting: boolean) => {
        for (const slot of this.jobs.values()) {
          const a = slot.active;
          if (a && (!onlyWaiting || !a.started)) a.controller.abort(new RunAborted('aborted', message));
        }
      };
      // Runs still waiting for a free slot never started: nothing to wait for.
      abortAll('aborted: dropcron shut down before the run could start', true);
      const running = [...this.jobs.values()].filter((s) => s.active).length;
      if (running) {
        const graceMs = this.opts.config.shutdownGraceSeconds * 1000;
        this.log.info({ running, graceMs }, `waiting up to ${formatDuration(graceMs)} for ${running} running job(s)`);
        const grace = new AbortController();
        const finished = await Promise.race([
          this.idle().then(() => true),
          sleep(graceMs, { clock: this.clock, signal: grace.signal }).then(
            () => false,
            () => true,
          ),
        ]);
        grace.abort();
        if (!finished) {
          this.log.warn('grace period over: aborting running jobs');
          abortAll('aborted: dropcron is shutting down', false);
        }
      }
      await this.idle();
      // Watchers end at once when stopped; waited for so their last cursor write lands before the store closes.
      await Promise.all([...this.jobs.values()].map((s) => s.watch?.done));
      await this.history.flush();
      await this.fireTimes.flush();
      await this.connections.close();
      this.log.info('scheduler stopped');
    })();
    return this.stopping;
  }

  private tick(): void {
    this.lastTick = this.clock.now();
  }

  /** The heartbeat: updates lastTick and re-arms the timers of jobs whose slot is long overdue. */
  private watchdog(): void {
    this.tick();
    if (this.stopping) return;
    const expectedSlot = (job: string) => this.fireTimes.get(job)?.nextScheduledAt;
    for (const [slot, expected] of stuckTimers(this.jobs.values(), expectedSlot, this.lastTick)) {
      const name = slot.def.name;
      this.log.warn(
        { job: name, slot: expected },
        `the timer of job ${name} did not fire for its ${expected} slot (suspend, clock change or a stuck timer); re-arming it`,
      );
      slot.cron?.rearm();
      this.saveFireTimes(slot);
      // The same rule as after downtime: once, and only for catchUp jobs.
      if (slot.def.catchUp && !slot.active) this.trigger(name, 'catch-up', { scheduledAt: new Date(expected) });
    }
  }

  private addJob(def: JobDefinition): JobSlot {
    const slot: JobSlot = { def, lastOutcome: null, lastRunAt: null };
    this.jobs.set(def.name, slot);
    slot.cron = this.startCron(slot);
    slot.watch = this.startWatch(slot);
    this.saveFireTimes(slot);
    return slot;
  }

  /** The job's trigger, if it has one: a change run per debounce (see trigger() for what it meets). */
  private startWatch(slot: JobSlot) {
    const deps = {
      registry: this.opts.registry,
      connections: this.connections,
      store: this.opts.services.store,
      log: this.log,
      clock: this.clock,
      pending: this.pending,
      baseDir: dirname(this.opts.config.file),
    };
    return startTrigger(slot.def, deps, () => this.track(this.runChanges(slot)));
  }

  /**
   * A change run, when changes are pending: asked first, since a run that ended meanwhile
   * may have taken them all (a reload restarts the watcher, which fires for what a running
   * run holds).
   */
  private async runChanges(slot: JobSlot): Promise<void> {
    const name = slot.def.name;
    if (!(await this.pending.count(slot.def)) || this.stopping || this.jobs.get(name) !== slot) return;
    this.trigger(name, 'change', {});
  }

  /**
   * Health shows the last outcome from before a restart too. A few jobs' files at a
   * time: not all at once, which could exhaust file descriptors. A run that ended
   * meanwhile is newer than what the file said.
   */
  private async readLastOutcomes(slots: JobSlot[]): Promise<void> {
    for (let i = 0; i < slots.length && !this.stopping; i += HISTORY_READS_AT_ONCE) {
      const batch = slots.slice(i, i + HISTORY_READS_AT_ONCE).map(async (slot) => {
        const [last] = await this.history.list(slot.def.name, 1).catch(() => []);
        if (last && slot.lastRunAt === null) {
          slot.lastOutcome = last.outcome;
          slot.lastRunAt = last.startedAt;
        }
      });
      await Promise.all(batch);
    }
  }

  private startCron(slot: JobSlot): CronHandle | undefined {
    if (!slot.def.enabled || slot.def.schedule === undefined) return undefined;
    const name = slot.def.name;
    return startCron(slot.def.schedule, slot.def.timezone, {
      fire: (scheduledAt) => {
        this.tick();
        if (this.jobs.get(name) !== slot || this.stopping) return;
        slot.lastFired = scheduledAt;
        this.events.emit('schedule:fire', {
          job: name,
          scheduledAt: scheduledAt.toISOString(),
          lateMs: Math.max(0, this.clock.now() - scheduledAt.getTime()),
        });
        this.saveFireTimes(slot, scheduledAt);
        this.trigger(name, 'schedule', { scheduledAt });
      },
      missed: (scheduledAt) => {
        this.tick();
        this.log.warn(
          { job: name, slot: scheduledAt.toISOString() },
          `job ${name} missed its run at ${scheduledAt.toISOString()} (the process was blocked or asleep)`,
        );
        if (this.jobs.get(name) === slot) this.saveFireTimes(slot);
        catchUpAfterMissed(
          slot,
          scheduledAt,
          () => !this.stopping && this.jobs.get(name) === slot,
          () => this.trigger(name, 'catch-up', { scheduledAt }),
        );
      },
    });
  }

  private saveFireTimes(slot: JobSlot, lastScheduledAt?: Date): void {
    // A job only a trigger starts has no slots to catch up on.
    if (slot.def.schedule === undefined) return this.fireTimes.delete(slot.def.name);
    const prev = this.fireTimes.get(slot.def.name);
    const last =
      lastScheduledAt?.toISOString() ?? (prev?.schedule === slot.def.schedule ? prev.lastScheduledAt : undefined);
    this.fireTimes.set(slot.def.name, {
      schedule: slot.def.schedule,
      timezone: slot.def.timezone,
      ...(last ? { lastScheduledAt: last } : {}),
      ...(slot.cron?.nextRun() ? { nextScheduledAt: slot.cron.nextRun()!.toISOString() } : {}),
    });
  }

  private trigger(
    name: string,
    trigger: RunTrigger,
    opts: { attempt?: number; dryRun?: boolean; scheduledAt?: Date; input?: TaskOutput },
  ): string {
    const slot = this.jobs.get(name)!;
    const req: RunRequest = {
      id: newRunId(),
      job: slot.def,
      trigger,
      attempt: opts.attempt ?? 1,
      dryRun: opts.dryRun ?? false,
      scheduledAt: opts.scheduledAt,
      ...(opts.input ? { input: opts.input } : {}),
    };
    if (slot.active && trigger === 'change') {
      // Every change reaches a run, whatever overlap says (it is about the clock's fires):
      // one run follows the runs going or queued now and takes all that is pending then.
      if (!slot.changesFollow)
        this.log.info({ job: name }, `job ${name} is running; a change run follows it for what changed meanwhile`);
      slot.changesFollow = true;
      return req.id!;
    }
    if (slot.active) {
      if (slot.def.overlap === 'queue') {
        // One queued run per job and daemon: the run waiting for another daemon's is one
        // (unless it is a change run, which a fire must not narrow to the changed files).
        const waiting =
          slot.queued ?? (slot.active.waiting && slot.active.req.trigger !== 'change' ? slot.active.req : undefined);
        if (waiting) {
          this.log.info(
            { job: name },
            `job ${name} is running and a run is already queued; this ${trigger} run folds into it`,
          );
          return waiting.id!;
        }
        this.log.info({ job: name }, `job ${name} is still running; queued a ${trigger} run to follow it`);
        slot.queued = req;
        return req.id!;
      }
      this.track(this.skip(slot, req, slot.active.req.id!));
      return req.id!;
    }
    this.launch(slot, req);
    return req.id!;
  }

  private launch(slot: JobSlot, req: RunRequest): void {
    const active: Active = { req: { ...req, job: slot.def }, controller: new AbortController(), started: false };
    slot.active = active;
    // Taken synchronously when free, so a stop() right after runNow() sees a started run.
    active.started = this.limit.tryAcquire();
    this.track(
      (async () => {
        let record: RunRecord;
        if (!active.started) {
          try {
            await this.limit.acquire(active.controller.signal);
          } catch (err) {
            slot.active = undefined;
            await this.finish(slot, notStartedRecord(active.req, (err as Error).message, this.clock.now()));
            return;
          }
          active.started = true;
        }
        const store = this.opts.services.store;
        // The run does not happen here: give back its place in the limit and the job.
        const vacate = () => {
          this.limit.release();
          if (slot.active === active) slot.active = undefined;
        };
        let claim: ClaimOutcome | undefined;
        try {
          claim = await claimRun(store, active.req, active.controller.signal, this.clock, {
            onWait: () => {
              if (active.waiting) return;
              active.waiting = true;
              this.log.info(
                { job: slot.def.name, runId: active.req.id },
                `job ${slot.def.name} is running on another daemon; this run waits for it to end`,
              );
            },
          });
          active.waiting = false;
        } catch (err) {
          if (active.controller.signal.aborted) {
            vacate();
            await this.finish(slot, notStartedRecord(active.req, (err as Error).message, this.clock.now()));
            return;
          }
          this.log.error(
            { job: slot.def.name, err },
            `cannot claim the run of ${slot.def.name} from the store, so it does not run here: ${(err as Error).message}`,
          );
        }
        if (claim?.outcome !== 'run') {
          vacate();
          if (claim?.outcome === 'busy')
            await this.finish(slot, skippedRecord(active.req, claim.runningId, this.clock.now()));
          this.startQueued(slot);
          return;
        }
        // A change run takes what is pending now, holding the job's lease: no other run of the job is going.
        let taken: Taken | undefined;
        if (active.req.trigger === 'change') {
          let why: RunRecord | undefined;
          try {
            taken = await this.pending.take(active.req.job);
          } catch (err) {
            why = notStartedRecord(
              active.req,
              `cannot read the pending changes: ${(err as Error).message}`,
              this.clock.now(),
            );
          }
          if (!taken) {
            vacate();
            // Nothing left: another run took them (in a cluster every daemon watches and
            // fires for each change, and one run takes it). Not a run, so no record of one.
            if (why) await this.finish(slot, why, true);
            else await this.releaseUnneeded(active.req);
            this.startQueued(slot);
            return;
          }
          active.req.input = taken.input;
        }
        try {
          ({ record } = await runJob(
            active.req,
            {
              registry: this.opts.registry,
              connections: this.connections,
              log: this.opts.log,
              events: this.events,
              clock: this.clock,
              abortSettleMs: this.opts.abortSettleMs,
              baseDir: dirname(this.opts.config.file),
              markers: this.markers,
            },
            { signal: active.controller.signal },
          ));
          // Before the job is free, so a change run starting next does not take these again.
          if (taken && record.outcome !== 'aborted') await this.acknowledge(active.req.job, taken);
        } finally {
          this.limit.release();
          if (slot.active === active) slot.active = undefined;
        }
        await this.finish(slot, record, true);
        this.afterRun(slot, active.req, record);
      })(),
    );
  }

  /**
   * A change run ended having had its chance at the changes it took (a failed one's retries
   * get them from its request): they leave the pending record. An aborted one leaves them
   * there, as does a killed one, for the next change run or the next start.
   */
  private async acknowledge(job: JobDefinition, taken: Taken): Promise<void> {
    await this.pending
      .ack(job, taken)
      .catch((err: unknown) =>
        this.log.error(
          { job: job.name, err },
          `cannot clear the changes run by ${job.name}; a later run takes them again: ${(err as Error).message}`,
        ),
      );
  }

  /** Gives back the lease of a run that had nothing to do; a failure leaves it until this daemon's end. */
  private async releaseUnneeded(req: RunRequest): Promise<void> {
    await this.opts.services.store
      .release(req.job.name, req.id!)
      .catch((err: unknown) =>
        this.log.error(
          { job: req.job.name, runId: req.id, err },
          `cannot give back the lease of ${req.job.name}; its runs wait until this daemon stops: ${(err as Error).message}`,
        ),
      );
  }

  /** Clears pending changes no job will run; a failure leaves them for the next start to clear. */
  private async forgetChanges(clear: () => Promise<void>): Promise<void> {
    await clear().catch((err: unknown) =>
      this.log.warn(`cannot clear the pending changes of removed jobs: ${(err as Error).message}`),
    );
  }

  /** Records the run, tells listeners and the webhook. */
  private async finish(slot: JobSlot, record: RunRecord, leased = false): Promise<void> {
    try {
      if (!(await this.opts.services.store.finishRun(record, leased))) {
        this.log.error(
          { job: record.job, runId: record.id },
          `the result of run ${record.id} of ${record.job} (${record.outcome}) is not recorded: another daemon took the job over while this one was cut off from the store; it is recorded as interrupted`,
        );
        return;
      }
    } catch (err) {
      this.log.error({ job: record.job }, `cannot write the history of ${record.job}: ${(err as Error).message}`);
    }
    if (record.outcome !== 'skipped' && !record.dryRun) {
      slot.lastOutcome = record.outcome;
      slot.lastRunAt = record.startedAt;
    }
    this.events.emit('run:end', { run: record });
    this.track(notify(slot.def.notify, record, this.log));
  }

  /** Retries a failed run, then starts the queued one. */
  private afterRun(slot: JobSlot, req: RunRequest, record: RunRecord): void {
    if (this.stopping || this.jobs.get(slot.def.name) !== slot) return;
    const plan = planRetry(slot.def, req, record, this.opts.random);
    if (plan) {
      const { attempt, count, delayMs: delay } = plan;
      this.log.info(
        { job: slot.def.name, attempt, delayMs: delay },
        `retry ${attempt} of ${count} for ${slot.def.name} in ${formatDuration(delay)}`,
      );
      slot.retry?.abort();
      const retry = new AbortController();
      slot.retry = retry;
      sleep(delay, { clock: this.clock, signal: retry.signal }).then(
        () => {
          if (slot.retry === retry) slot.retry = undefined;
          if (this.stopping || this.jobs.get(slot.def.name) !== slot) return;
          this.trigger(slot.def.name, 'retry', {
            attempt: attempt + 1,
            scheduledAt: req.scheduledAt,
            ...(req.input ? { input: req.input } : {}),
          });
        },
        () => {},
      );
    }
    this.startQueued(slot);
  }

  /**
   * Every RECOVER_MS: says once when the store is lost or back, and records the runs
   * whose runner died (another daemon of a cluster, a killed `dropcron run`) as
   * interrupted, retrying those whose job has retries.
   */
  private async recover(): Promise<void> {
    const health = this.opts.services.store.health();
    if (health.ok !== this.storeOk) {
      if (health.ok) this.log.info('the store answers again: claiming runs again');
      else this.log.error({ store: health }, `the store is lost, so this daemon claims no runs: ${health.error}`);
      this.storeOk = health.ok;
    }
    if (!health.ok || this.stopping) return;
    const lost = await this.opts.services.store.recoverInterrupted().catch((err: unknown) => {
      this.log.warn(`cannot record interrupted runs: ${(err as Error).message}`);
      return [];
    });
    for (const r of lost) logInterrupted(this.log, r);
    this.retryLost(lost);
  }

  /** Runs that died mid-way are over: tell listeners, and retry them as a failed run would be. */
  private retryLost(lost: RunRecord[]): void {
    for (const record of lost) {
      this.events.emit('run:end', { run: record });
      const slot = this.jobs.get(record.job);
      // A change run that died left its changes pending: the trigger runs them again, not a retry.
      if (!slot || this.stopping || record.trigger === 'change') continue;
      const req: RunRequest = {
        id: record.id,
        job: slot.def,
        trigger: record.trigger,
        attempt: record.attempt,
        dryRun: record.dryRun,
        scheduledAt: record.scheduledAt ? new Date(record.scheduledAt) : undefined,
      };
      this.afterRun(slot, req, record);
    }
  }

  /**
   * Records a run skipped because this daemon runs the job: once per slot across the
   * cluster, by whichever daemon claims the slot (the others fired it too).
   */
  private async skip(slot: JobSlot, req: RunRequest, runningId: string): Promise<void> {
    const at = this.clock.now();
    const claim = await claimRun(this.opts.services.store, req, undefined, this.clock, { lease: false });
    if (claim.outcome !== 'taken') await this.finish(slot, skippedRecord(req, runningId, at));
  }

  /** Starts the run that overlap: queue kept waiting, once the job is free here. */
  private startQueued(slot: JobSlot): void {
    if (this.stopping || this.jobs.get(slot.def.name) !== slot) return;
    if (slot.active) return;
    if (slot.queued) {
      const next = slot.queued;
      slot.queued = undefined;
      this.launch(slot, next);
    } else if (slot.changesFollow) {
      slot.changesFollow = false;
      this.track(this.runChanges(slot));
    }
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((err) => this.log.error({ err }, 'scheduler: unexpected error'));
    this.inflight.add(tracked);
    void tracked.finally(() => this.inflight.delete(tracked));
  }
}
