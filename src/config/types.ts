import type { ConnectionDefinition } from '../plugin.ts';

/** `notify:` after loading: the schema's defaults fill onSuccess and onFailure. */
export interface NotifySettings {
  webhook?: string;
  onSuccess: boolean;
  onFailure: boolean;
}

/** config.yaml after validation, defaults applied and paths made absolute. */
export interface DaemonConfig {
  /** Absolute path of the file it came from. */
  file: string;
  admin: {
    enabled: boolean;
    host: string;
    port: number;
    password?: string;
    tls?: { cert: string; key: string };
    trustProxy?: boolean;
    publicUrl?: string;
  };
  state: string;
  /** Where the daemon's memory lives (src/store): the state directory, or a shared PostgreSQL. */
  store: 'file' | { postgres: string; leaseSeconds?: number };
  timezone: string;
  connections: string;
  jobs: string;
  logLevel: string;
  plugins: string[];
  sandbox: boolean;
  maxConcurrentJobs: number;
  shutdownGraceSeconds: number;
  historyLimit: number;
  /** GET /metrics on the admin server; `public` lets it be read without a session. */
  metrics: { public: boolean };
  notify?: NotifySettings;
  /** Sections owned by plugins, keyed by plugin name (e.g. `dropbox`). */
  [pluginSection: string]: unknown;
}

export interface TaskDefinition {
  /** Task type, e.g. `upload`. */
  type: string;
  options: Record<string, unknown>;
}

export interface TriggerDefinition {
  /** Trigger type, e.g. `dropbox`. */
  type: string;
  options: Record<string, unknown>;
  /** Changes reported within this many milliseconds of the first fold into one run. */
  debounceMs: number;
}

export interface JobDefinition {
  name: string;
  file: string;
  description?: string;
  enabled: boolean;
  /** Cron; absent when only a trigger starts the job. */
  schedule?: string;
  /** What besides the clock starts the job (a plugin's trigger type). */
  trigger?: TriggerDefinition;
  timezone: string;
  connection: string;
  overlap: 'skip' | 'queue';
  /** Milliseconds, or undefined for no limit. */
  timeoutMs?: number;
  catchUp: boolean;
  retries: { count: number; backoffMs: number };
  notify?: NotifySettings;
  tasks: TaskDefinition[];
}

export type { ConnectionDefinition };
