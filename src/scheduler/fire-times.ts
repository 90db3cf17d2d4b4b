// Per job: the last slot that fired and the next slot expected, in
// <state>/scheduler.json. On start, a job whose expected next slot already lies in
// the past missed it while the daemon was down; with `catchUp: true` it runs once.
// Storing the *next* slot avoids walking the cron expression from a past date,
// which node-cron's public API cannot do.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../store/atomic.ts';

export interface FireTimes {
  /** The expression and zone the slots below belong to; a changed schedule resets them. */
  schedule: string;
  timezone: string;
  lastScheduledAt?: string;
  nextScheduledAt?: string;
}

export class FireTimesStore {
  private data: Record<string, FireTimes> = {};
  private writing: Promise<void> | undefined;
  private dirty = false;

  constructor(
    private readonly stateDir: string,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  get file(): string {
    return join(this.stateDir, 'scheduler.json');
  }

  async load(): Promise<void> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as { jobs?: Record<string, FireTimes> };
      this.data = parsed.jobs && typeof parsed.jobs === 'object' ? parsed.jobs : {};
    } catch (err) {
      // A missing or unreadable file only costs one catch-up decision; never fatal.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.data = {};
    }
  }

  get(job: string): FireTimes | undefined {
    return this.data[job];
  }

  set(job: string, times: FireTimes): void {
    this.data[job] = times;
    this.save();
  }

  delete(job: string): void {
    if (!(job in this.data)) return;
    delete this.data[job];
    this.save();
  }

  /**
   * Coalesces writes: at most one in flight and one more after it, so a job that
   * fires every second does not queue a write per second.
   */
  private save(): void {
    this.dirty = true;
    if (this.writing) return;
    this.writing = (async () => {
      while (this.dirty) {
        this.dirty = false;
        await writeJsonAtomic(this.file, { jobs: this.data }).catch(this.onError);
      }
      this.writing = undefined;
    })();
  }

  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }
}
