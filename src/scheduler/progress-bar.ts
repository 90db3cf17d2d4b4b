// What `dropcron run` shows while a job runs: on a terminal, one redrawn bar for the
// whole run (files and bytes done of those planned, rate, ETA, the files in flight);
// elsewhere, one plain line per finished transfer. Transfers run many files at once,
// so the bar reads the run's progress model, never a single item.
import type { PlannedWork, Progress } from '../plugin.ts';
import { systemClock, type Clock } from './timers.ts';
import { formatBytes } from '../format-bytes.ts';
import { RunProgress, type RunProgressSnapshot } from './run-progress.ts';

export interface ProgressOutput {
  write(s: string): unknown;
}

const REDRAW_MS = 100;
const BAR_WIDTH = 20;

export class ProgressDisplay {
  private readonly model: RunProgress;
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(
    private readonly out: ProgressOutput,
    private readonly tty: boolean,
    private readonly clock: Clock = systemClock,
  ) {
    this.model = new RunProgress(clock);
  }

  /** A task's plan (see RunProgress.plan): the bar's totals from now on. */
  planned(part: string, planned: PlannedWork): void {
    this.model.plan(part, planned);
    if (this.tty) this.draw(this.clock.now());
  }

  update(task: string, p: Progress, part?: string): void {
    const finished = this.model.update(task, p, part);
    if (!this.tty) {
      if (finished)
        this.out.write(
          `${task}: ${finished.item} ${formatBytes(finished.total)} done${rateText(finished.total, finished.ms)}\n`,
        );
      return;
    }
    const now = this.clock.now();
    if (!finished && now - this.lastDraw < REDRAW_MS) return;
    this.draw(now);
  }

  private draw(now: number): void {
    this.lastDraw = now;
    this.out.write(`\r\x1b[2K${barLine(this.model.snapshot())}`);
    this.drawn = true;
  }

  /** Prints a log line without tearing the bar (redrawn with the next update). */
  line(text: string): void {
    if (this.tty && this.drawn) this.out.write('\r\x1b[2K');
    this.out.write(text.endsWith('\n') ? text : `${text}\n`);
    this.drawn = false;
  }

  /** Leaves the last bar on screen and moves below it (the run ended). */
  endLine(): void {
    if (this.tty && this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

export function barLine(s: RunProgressSnapshot): string {
  const frac = s.bytes.total > 0 ? Math.min(1, s.bytes.done / s.bytes.total) : 0;
  const filled = Math.round(frac * BAR_WIDTH);
  const bar = '#'.repeat(filled) + '-'.repeat(BAR_WIDTH - filled);
  const rate = s.rate > 0 ? ` ${formatBytes(s.rate)}/s` : '';
  const eta = s.etaSeconds !== null && s.bytes.done < s.bytes.total ? ` ETA ${formatSeconds(s.etaSeconds)}` : '';
  const [first] = s.current;
  const inFlight = s.files.total - s.files.done;
  const now = first ? ` · ${first.task}: ${first.item}${inFlight > 1 ? ` (+${inFlight - 1} more)` : ''}` : '';
  return `[${bar}] ${String(Math.floor(frac * 100)).padStart(3)}% ${s.files.done}/${s.files.total} files ${formatBytes(s.bytes.done)}/${formatBytes(s.bytes.total)}${rate}${eta}${now}`;
}

function rateText(bytes: number, ms: number): string {
  return ms > 0 ? ` in ${formatSeconds(ms / 1000)} (${formatBytes((bytes * 1000) / ms)}/s)` : '';
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
