// The `file` store: today's state directory, unchanged in layout: history/<job>.json,
// vault/<connection>.json, running/<run id>.json, scheduler.json, master.key, and a
// directory per checkpoint area (upload-sessions/<key>.json).
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ensureDir, writeJsonAtomic } from './atomic.ts';
import { fileCheckpointArea } from './checkpoint-area-files.ts';
import { definitionFiles } from './definition-files.ts';
import { FileRunHistory, type RunRecord } from './history.ts';
import { FileRunMarkers } from './run-markers.ts';
import { openVault, type Vault } from './vault.ts';
import type { DaemonStatus } from './daemons.ts';
import { DROPCRON_VERSION } from '../version.ts';
import { KeyedQueue } from '../keyed-queue.ts';
import { withLockFile } from './lock.ts';
import { safeName } from './history.ts';
import { fileAdminSessions, type AdminSessionRows } from './admin-sessions.ts';
import type {
  CheckpointArea,
  ClaimOutcome,
  DefinitionRows,
  FireTimes,
  FireTimesRows,
  Store,
  StoreHealth,
  StoreSettings,
} from './store.ts';

export class FileStore implements Store {
  readonly kind = 'file';
  readonly history: FileRunHistory;
  readonly markers: FileRunMarkers;
  readonly fireTimes: FireTimesRows;
  readonly adminSessions: AdminSessionRows;
  readonly daemonId = `${hostname()}:${process.pid}`;
  /** When registerDaemon() was called: this process is the daemon of its state directory. */
  private registeredAt: string | undefined;
  /** withLock's callers in this process, one at a time per key, before the lock file. */
  private readonly locks = new KeyedQueue();
  /** The config's folders themselves: the files are the truth. */
  readonly definitions: DefinitionRows;

  constructor(
    private readonly settings: Pick<StoreSettings, 'state' | 'historyLimit' | 'connections' | 'jobs'>,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.history = new FileRunHistory(settings.state, settings.historyLimit);
    this.markers = new FileRunMarkers(settings.state);
    this.fireTimes = fireTimesFile(join(settings.state, 'scheduler.json'));
    this.adminSessions = fileAdminSessions(settings.state);
    this.definitions = definitionFiles(settings);
  }

  start(): Promise<void> {
    return ensureDir(this.settings.state);
  }

  vault(): Promise<Vault> {
    return openVault(this.settings.state, this.env);
  }

  checkpoints(namespace: string): CheckpointArea {
    return fileCheckpointArea(this.settings.state, namespace);
  }

  /** In this process a queue per key; across processes (a `dropcron run` beside the daemon), a lock file. */
  async withLock<T>(key: string, _ttlMs: number, fn: () => Promise<T>): Promise<T> {
    const dir = join(this.settings.state, 'locks');
    const file = join(dir, safeName(key, 'lock key'));
    return this.locks.run(key, async () => {
      await ensureDir(dir);
      return withLockFile(file, fn);
    });
  }

  recoverInterrupted(now?: Date) {
    return this.markers.recover(this.history, now);
  }

  /** One daemon per state directory: every slot and run is its own; overlap is the scheduler's. */
  async claim(): Promise<ClaimOutcome> {
    return { outcome: 'run' };
  }

  async finishRun(record: RunRecord): Promise<boolean> {
    await this.history.append(record);
    await this.markers.remove(record.id);
    return true;
  }

  /** claim() holds nothing here. */
  async release(): Promise<void> {}

  health(): StoreHealth {
    return { kind: this.kind, ok: true };
  }

  async registerDaemon(): Promise<void> {
    this.registeredAt ??= new Date().toISOString();
  }

  /** One daemon per state directory: this process, alive as long as it answers. */
  async daemons(): Promise<DaemonStatus[]> {
    if (!this.registeredAt) return [];
    return [
      {
        id: this.daemonId,
        host: hostname(),
        pid: process.pid,
        version: DROPCRON_VERSION,
        startedAt: this.registeredAt,
        heartbeatAt: new Date().toISOString(),
        alive: true,
        self: true,
        running: this.markers.running(),
      },
    ];
  }

  async close(): Promise<void> {
    await this.history.flush();
  }
}

function fireTimesFile(file: string): FireTimesRows {
  return {
    async load() {
      try {
        const parsed = JSON.parse(await readFile(file, 'utf8')) as { jobs?: Record<string, FireTimes> };
        return parsed.jobs && typeof parsed.jobs === 'object' ? parsed.jobs : {};
      } catch {
        return {};
      }
    },
    save: (jobs) => writeJsonAtomic(file, { jobs }),
  };
}
