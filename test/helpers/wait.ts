// The one way tests wait for something to happen (a file, a socket, a closed client)
// instead of sleeping a fixed time: polls through setImmediate, which the tests never
// fake, against a real deadline, so it works while timers and Date are fake too.
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
