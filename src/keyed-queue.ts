/**
 * Runs tasks one at a time per key, in the order they were queued, within this process;
 * tasks under different keys run side by side. A task that fails does not hold up the
 * ones queued after it. A key with nothing queued holds no memory.
 * Used wherever two callers must not interleave on one thing: edits of one YAML file,
 * writes of one job's history or one connection's secrets, commits into one Dropbox
 * namespace. Across processes, see withLockFile (store/lock.ts).
 */
export class KeyedQueue {
  /** Per key, a promise that settles when the last task queued under it has. */
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` after every task queued earlier under `key` has settled; settles as `fn` does. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.tails.get(key) ?? Promise.resolve()).then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }

  /** Keys with a task running or queued. */
  busy(): string[] {
    return [...this.tails.keys()];
  }

  /** Settles when every task queued so far under `key` (or, without a key, under any key) has. */
  async idle(key?: string): Promise<void> {
    await (key === undefined ? Promise.all(this.tails.values()) : this.tails.get(key));
  }
}
