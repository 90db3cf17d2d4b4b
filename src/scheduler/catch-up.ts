// Catch-up: a `catchUp` job runs once for slots it missed, whether dropcron was down
// (checked at start) or the process was blocked or asleep (node-cron's missed reports).
// The watchdog applies the same rule to timers that never fired.
import type { JobDefinition } from '../config/types.ts';
import type { FireTimes } from './fire-times.ts';
import type { JobSlot } from './job-slot.ts';

/**
 * How long after a missed report the decision waits: node-cron reports every missed
 * slot, then maybe runs a current one right after.
 */
export const MISSED_SETTLE_MS = 1_000;

/** The slot `def` missed while dropcron was down, judged by the fire times saved before. */
export function missedWhileDown(def: JobDefinition, prev: FireTimes | undefined, now: number): Date | undefined {
  const due = prev?.nextScheduledAt ? new Date(prev.nextScheduledAt) : undefined;
  const sameSchedule = prev?.schedule === def.schedule && prev?.timezone === def.timezone;
  return def.enabled && def.catchUp && due && sameSchedule && due.getTime() <= now ? due : undefined;
}

/**
 * Turns a burst of missed reports into at most one catch-up run, and none when a
 * slot ran on time after them. `wanted` says whether the slot is still scheduled.
 */
export function catchUpAfterMissed(slot: JobSlot, scheduledAt: Date, wanted: () => boolean, run: () => void): void {
  if (!slot.def.catchUp || slot.missed) return;
  const timer = setTimeout(() => {
    slot.missed = undefined;
    if (!wanted() || slot.active) return;
    if (slot.lastFired && slot.lastFired > scheduledAt) return;
    run();
  }, MISSED_SETTLE_MS);
  slot.missed = { at: scheduledAt, timer };
}
