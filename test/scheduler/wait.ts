// Waiting on real I/O (history files, sockets, fs.watch) while timers may be fake:
// polls through setImmediate, which the tests never fake, against a real deadline.
import { performance } from 'node:perf_hooks';

export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`timed out waiting for ${what}`);
}

type Faked = 'setTimeout' | 'clearTimeout' | 'setInterval' | 'clearInterval' | 'Date';
/** Timers and Date are faked; setImmediate and process.nextTick stay real so I/O can finish. */
export const FAKE: { toFake: Faked[] } = {
  toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
};
