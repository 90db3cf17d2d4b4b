// Small things every task needs from its context.
import type { TaskContext } from '../../../src/plugin.ts';
import { hashFileRegion } from '../api/content-hash.ts';
import { expandPlaceholders, unknownPlaceholders } from './placeholders.ts';
import { normalizeRemote } from './remote-paths.ts';

export interface Vars {
  now: Date;
  timezone: string;
  job: string;
  /** The directory of config.yaml, when the runner provides it. */
  baseDir?: string;
}

export function varsOf(ctx: TaskContext): Vars {
  return ctx.vars as Vars;
}

export function expand(text: string, ctx: TaskContext): string {
  return expandPlaceholders(text, varsOf(ctx));
}

/** Dropbox content_hash of a local file, streamed. */
export async function localContentHash(path: string, size: number, signal?: AbortSignal): Promise<string> {
  return (await hashFileRegion(path, 0, size, signal)).digest();
}

/** check() problems for a path option that may hold placeholders. */
export function placeholderProblems(key: string, text: string | undefined): Array<[string, string]> {
  if (text === undefined) return [];
  const bad = unknownPlaceholders(text);
  return bad.length
    ? [
        [
          key,
          `unknown placeholder${bad.length > 1 ? 's' : ''} ${bad.map((b) => `{${b}}`).join(', ')} (known: {date} {time} {datetime} {yyyy} {MM} {dd} {HH} {mm} {ss} {job})`,
        ],
      ]
    : [];
}

export function remotePathProblems(key: string, text: string | undefined): Array<[string, string]> {
  if (text === undefined) return [];
  const r = normalizeRemote(text);
  return 'problem' in r ? [[key, r.problem]] : placeholderProblems(key, text);
}

/** Rethrows when the run was aborted, so an abort never shows up as a per-item failure. */
export function rethrowIfAborted(signal: AbortSignal, err: unknown): void {
  if (signal.aborted) throw err;
}
