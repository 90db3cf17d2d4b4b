// The daemons of a cluster as the store knows them: each registers itself at start and
// its heartbeat keeps its row fresh, so every daemon's admin page shows the whole
// cluster (GET /api/cluster) and what each one is running.

/** A run in progress on one daemon. */
export interface DaemonRun {
  runId: string;
  job: string;
  startedAt: string;
}

export interface DaemonStatus {
  /** The daemon's owner id in the store (host, pid and a random part). */
  id: string;
  host: string;
  pid: number;
  version: string;
  startedAt: string;
  heartbeatAt: string;
  /** Its heartbeat is younger than the lease: it holds its runs. */
  alive: boolean;
  /** The daemon answering. */
  self: boolean;
  running: DaemonRun[];
}

/**
 * A daemon that stopped beating is shown as not alive for this long (so its loss is
 * seen), then forgotten. A daemon that stops cleanly removes itself at once.
 */
export const DAEMON_AGE_OUT_MS = 10 * 60 * 1000;
