// The global limit on jobs running at once (maxConcurrentJobs): a counting
// semaphore whose waiters are served first come, first served.

interface Waiter {
  resolve(): void;
}

export class ConcurrencyLimit {
  private readonly waiters: Waiter[] = [];
  private running = 0;

  constructor(private readonly max: number) {}

  /** Takes a slot if one is free, synchronously. */
  tryAcquire(): boolean {
    if (this.running >= this.max) return false;
    this.running++;
    return true;
  }

  /** Waits in line for a slot; `release` hands it over without freeing it. */
  acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Hands the slot to the longest waiter, or frees it. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next.resolve();
    else this.running--;
  }
}
