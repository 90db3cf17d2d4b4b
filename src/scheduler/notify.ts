// Webhook notifications: the run summary as JSON, POSTed to the job's `notify`
// (or config.yaml's). A webhook that is down or slow is logged and forgotten; it
// never fails or delays the run's own outcome beyond its 10 s timeout.
import { request } from '../net/undici.ts';
import type { NotifySettings } from '../config/types.ts';
import type { Logger } from '../log.ts';
import type { RunRecord } from '../store/history.ts';

export const NOTIFY_TIMEOUT_MS = 10_000;

export function shouldNotify(settings: NotifySettings | undefined, run: RunRecord): boolean {
  if (!settings?.webhook || run.dryRun) return false;
  if (run.outcome === 'success') return settings.onSuccess;
  // A skipped run is the overlap policy working, not a failure.
  if (run.outcome === 'skipped') return false;
  return settings.onFailure;
}

/** The JSON body: the run record plus a one-line summary for chat integrations. */
export function notificationBody(run: RunRecord): Record<string, unknown> {
  const text =
    run.outcome === 'success'
      ? `dropcron: job ${run.job} succeeded`
      : `dropcron: job ${run.job} ${run.outcome}${run.error ? `: ${run.error}` : ''}`;
  return { event: `run.${run.outcome}`, text, run };
}

/** Sends the notification; resolves to whether the webhook accepted it (2xx). */
export async function notify(settings: NotifySettings | undefined, run: RunRecord, log: Logger): Promise<boolean> {
  if (!shouldNotify(settings, run)) return false;
  const url = settings!.webhook!;
  // Webhook URLs often carry a token in their path or query; log the origin only.
  let target: string;
  try {
    target = new URL(url).origin;
  } catch {
    log.warn({ job: run.job }, 'notify: webhook is not a valid URL');
    return false;
  }
  try {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'dropcron' },
      body: JSON.stringify(notificationBody(run)),
      headersTimeout: NOTIFY_TIMEOUT_MS,
      bodyTimeout: NOTIFY_TIMEOUT_MS,
      signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
    });
    await res.body.dump();
    if (res.statusCode >= 200 && res.statusCode < 300) return true;
    log.warn(
      { job: run.job, target, status: res.statusCode },
      `notify: webhook at ${target} answered ${res.statusCode}`,
    );
  } catch (err) {
    log.warn({ job: run.job, target }, `notify: webhook at ${target} failed: ${(err as Error).message}`);
  }
  return false;
}
