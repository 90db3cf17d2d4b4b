// What the admin server needs from the daemon, as one object handed to every route
// file. Kept narrow so the API tests can build it from a config directory alone.
import { httpStatus, toCoded } from '../errors.ts';
import { EventEmitter } from 'node:events';
import type { LoadedConfig } from '../config/load.ts';
import type { Env } from '../config/yaml-file.ts';
import type { Logger } from '../log.ts';
import { oneLine } from '../one-line.ts';
import type { Services, ConnectionDefinition, ConnectionType } from '../plugin.ts';
import type { SchedulerEvents } from '../scheduler/events.ts';
import type { RunHistory } from '../store/history.ts';
import type { Store } from '../store/store.ts';

/** The parts of the scheduler the UI uses (src/scheduler). */
export interface AdminScheduler {
  events: SchedulerEvents;
  history: RunHistory;
  health(): unknown;
  runNow(job: string, opts?: { dryRun?: boolean }): string | Promise<string>;
  /** Runs in progress and waiting, for the metrics. */
  load?(): { running: number; queued: number };
}

/** Events of the admin server itself (a connection changed), streamed to the page. */
export interface AdminEventMap {
  connection: [{ name: string; reason: string }];
}

export interface AdminContext {
  loaded(): LoadedConfig;
  /** Re-reads every file (after an edit, or to show hand edits), so the scheduler and the UI see the same. */
  reload(): Promise<void>;
  services: Services;
  /** The daemon's store (the vault of connections' secrets). */
  store: Store;
  log: Logger;
  env: Env;
  scheduler?: AdminScheduler;
  /** The browser-facing origin of this server, e.g. http://127.0.0.1:8470. */
  origin(): string;
  bus: EventEmitter<AdminEventMap>;
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export function connectionOf(ctx: AdminContext, name: string): { def: ConnectionDefinition; ct: ConnectionType } {
  const loaded = ctx.loaded();
  const def = loaded.connections.find((c) => c.name === name);
  if (!def) {
    const broken = loaded.problems.find((p) => p.file.endsWith(`/${name}.yaml`) || p.file.endsWith(`/${name}.yml`));
    throw new HttpError(
      404,
      broken
        ? `connection '${name}' has a problem in its file: ${broken.path ? broken.path + ' ' : ''}${broken.message}`
        : `no connection named '${name}'`,
    );
  }
  const ct = loaded.registry.connectionTypes.get(def.type);
  if (!ct) throw new HttpError(409, `connection '${name}' has type '${def.type}', which no loaded plugin provides`);
  return { def, ct };
}

/**
 * Errors from plugins become 4xx/5xx by their kind (src/errors.ts), never by class name,
 * with their one-line message (never a stack).
 */
export function pluginError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  return new HttpError(httpStatus(toCoded(err)), oneLine(err, MAX_ERROR_CHARS));
}

/** The longest error text the admin API sends: enough for any message of ours, not a whole quoted page. */
export const MAX_ERROR_CHARS = 500;
