// Per job: the last slot that fired and the next slot expected, kept in the store
// (scheduler state). On start, a job whose expected next slot already lies in
// the past missed it while the daemon was down; with `catchUp: true` it runs once.
// Storing the *next* slot avoids walking the cron expression from a past date,
// which node-cron's public API cannot do.
import type { FireTimes, FireTimesRows } from '../store/store.ts';

export type { FireTimes };

export class FireTimesStore {
  private data: Record<string, FireTimes> = {};
  private writing: Promise<void> | undefined;
  private dirty = false;

  constructor(
    private readonly rows: FireTimesRows,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  async load(): Promise<void> {
    // An unreadable state only costs one catch-up decision; never fatal.
    this.data = await this.rows.load().catch(() => ({}));
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
        await this.rows.save({ ...this.data }).catch(this.onError);
      }
      this.writing = undefined;
    })();
  }

  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }
}
