// The watchdog: a heartbeat that notices job timers which did not fire for their slot.
import type { JobSlot } from './job-slot.ts';

export const HEARTBEAT_MS = 30_000;
/**
 * A slot this long overdue, with neither a fire nor a missed report from its
 * timer, means the timer is not coming (the machine slept through a long
 * setTimeout, the clock was stepped, or node-cron stopped: node-cron#492).
 */
export const STUCK_TIMER_MS = 5 * 60_000;

/**
 * Yields each armed job whose expected slot (ISO, from the fire times) is long
 * overdue at `now`, with that slot. Lazy, so the caller may re-arm one before the
 * next is looked at.
 */
export function* stuckTimers(
  slots: Iterable<JobSlot>,
  expectedSlot: (job: string) => string | undefined,
  now: number,
): Generator<[JobSlot, string]> {
  for (const slot of slots) {
    const expected = expectedSlot(slot.def.name);
    if (!slot.cron || !expected || now - Date.parse(expected) < STUCK_TIMER_MS) continue;
    yield [slot, expected];
  }
}
