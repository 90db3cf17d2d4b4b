// What `dropcron run` shows while a job runs: on a terminal, one redrawn bar per
// transfer (bytes, rate, ETA); elsewhere, one plain line per finished transfer.
import type { Progress } from '../plugin.ts';
import { systemClock, type Clock } from './timers.ts';
import { formatBytes } from '../format-bytes.ts';

export interface ProgressOutput {
  write(s: string): unknown;
}

const REDRAW_MS = 100;
const BAR_WIDTH = 20;

export class ProgressDisplay {
  private current: { task: string; item: string; started: number; total: number } | undefined;
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly out: ProgressOutput,
    private readonly tty: boolean,
    private readonly clock: Clock = systemClock,
  ) {}

  update(task: string, p: Progress): void {
    const now = this.clock.now();
    const isNew = !this.current || this.current.item !== p.item || this.current.task !== task;
    if (isNew) this.current = { task, item: p.item, started: now, total: p.total };
    const current = this.current!;
    const finished = p.total > 0 ? p.done >= p.total : false;
    if (!this.tty) {
      if (finished)
        this.out.write(`${task}: ${p.item} ${formatBytes(p.total)} done${rateText(p.done, now - current.started)}\n`);
      return;
    }
    if (!isNew && !finished && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.out.write(`\r\x1b[2K${barLine(task, p, now - current.started)}`);
    this.drawn = true;
    if (finished) this.endLine();
  }

  /** Prints a log line without tearing the bar. */
  line(text: string): void {
    if (this.tty && this.drawn) this.out.write('\r\x1b[2K');
    this.out.write(text.endsWith('\n') ? text : `${text}\n`);
    this.drawn = false;
  }

  endLine(): void {
    if (this.tty && this.drawn) this.out.write('\n');
    this.drawn = false;
    this.current = undefined;
  }
}

export function barLine(task: string, p: Progress, elapsedMs: number): string {
  const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  const filled = Math.round(frac * BAR_WIDTH);
  const bar = '#'.repeat(filled) + '-'.repeat(BAR_WIDTH - filled);
  const rate = elapsedMs > 0 ? (p.done * 1000) / elapsedMs : 0;
  const eta = rate > 0 && p.done < p.total ? ` ETA ${formatSeconds((p.total - p.done) / rate)}` : '';
  return `${task}: ${p.item} [${bar}] ${String(Math.floor(frac * 100)).padStart(3)}% ${formatBytes(p.done)}/${formatBytes(p.total)}${rate > 0 ? ` ${formatBytes(rate)}/s` : ''}${eta}`;
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
