// The contract between the core and a plugin. The core knows connection types and
// task types only through these interfaces; everything service-specific (Dropbox)
// lives in plugins/<name>/.
import type { ErrorCatalogue } from './errors.ts';
import type { Dispatcher } from 'undici';
import type { Logger } from './log.ts';
import type { DaemonConfig, JobDefinition } from './config/types.ts';
import type { ProxySettings } from './net/proxy-check.ts';
import type { VaultChange } from './store/vault.ts';
import type { CheckpointArea, PluginStore } from './store/store.ts';
import type { RemoteEvents } from './metrics/remote-events.ts';

// What the core offers a plugin besides Services; a plugin imports nothing else of the
// core (eslint.config.js enforces it). These are stateless helpers.
export { withConnection, type OneConnection } from './commands/one-connection.ts';
export { parseArgs, UsageError } from './args.ts';
export { parseDuration } from './config/duration.ts';
export { writeFileAtomic } from './store/atomic.ts';
export { LOCAL_FILES, localFilesOf, type LocalFileItem, type LocalFilesOutput } from './triggers/local-files.ts';
export { normaliseProxy, type ProxySettings } from './net/proxy-check.ts';
export { describeNetworkFailure, proxyAuthMessage, proxyOf } from './net/net-errors.ts';
export { request } from './net/undici.ts';
export type { Logger, VaultChange, CheckpointArea, PluginStore, JobDefinition, RemoteEvents };

export type JsonSchema = Record<string, unknown>;

/**
 * A validated connection file: the fields below are the core's (defined once in
 * src/config/schemas/connection.schema.json, added to every connection type's schema),
 * the rest the plugin's.
 */
export interface ConnectionDefinition {
  name: string;
  type: string;
  /** The file it came from, for messages. */
  file: string;
  /** Free text for people (lists, the admin UI). */
  description?: string;
  /** How the connection's traffic leaves the machine (the core builds the dispatcher). */
  proxy?: ProxySettings | 'system' | 'none';
  /** Connect and header timeout, seconds (default 60). */
  timeoutSeconds?: number;
  /** Talk to the plugin's sandbox instead of the real service. */
  sandbox?: boolean;
  [key: string]: unknown;
}

/** Byte progress of one transfer, for the CLI progress bar and the admin UI. */
export interface Progress {
  /** What moves: a path or a name. */
  item: string;
  done: number;
  total: number;
}

/** What a task is about to move, announced once it has decided (skipped files left out). */
export interface PlannedWork {
  files: number;
  bytes: number;
}

/** What the core offers a plugin. */
export interface Services {
  config: DaemonConfig;
  log: Logger;
  /** The state directory (0700); persist only through writeFileAtomic. */
  stateDir: string;
  /** The plugin's own records in the store (config.yaml's `store:`), shared by a cluster's daemons. */
  store: PluginStore;
  /** The vault entry of one connection: the only secrets a plugin reads or writes. */
  secretsOf(connection: string): ConnectionSecrets;
  /** Returns the proxy-aware dispatcher for a connection definition (src/net). */
  dispatcherFor(def: ConnectionDefinition): Dispatcher;
  /** Sandboxes started because config.yaml says `sandbox: true`, by plugin name. */
  sandboxes: Map<string, Sandbox>;
  /** Where the plugin reports its calls, retries and token refreshes (the metrics count them). */
  events: RemoteEvents;
}

/**
 * One connection's entry in the vault: secrets encrypted at rest, state (what may be
 * shown) in clear. Bound to that connection, so no other connection's entry is in reach.
 */
export interface ConnectionSecrets {
  /** The clear state ({} when there is none). */
  state<T extends Record<string, unknown> = Record<string, unknown>>(): Promise<Partial<T>>;
  /** A decrypted secret, or undefined when none is stored. */
  secret(key: string): Promise<string | undefined>;
  /** Names of the stored secrets (never values). */
  secretNames(): Promise<string[]>;
  /** One atomic write for state and secrets together; a key set to undefined is removed. */
  update(change: VaultChange): Promise<void>;
  /** Deletes the whole entry; true if there was one. */
  forget(): Promise<boolean>;
}

/** A connection type, e.g. `dropbox`. `Conn` is the live client handed to tasks. */
export interface ConnectionType<Conn = unknown> {
  type: string;
  /** JSON Schema of the whole connection file (must allow `name` and `type`). */
  schema: JsonSchema;
  /** Extra checks after the schema passed; returns problems as [path, message]. */
  check?(def: ConnectionDefinition): Array<[path: string, message: string]>;
  /** Builds the live client. Called lazily, once per definition version. */
  open(def: ConnectionDefinition, services: Services): Conn | Promise<Conn>;
  close?(conn: Conn): Promise<void>;
  /** Whether the connection can be used now (authorised, needs authorisation, ...). */
  status?(def: ConnectionDefinition, services: Services): Promise<ConnectionStatus>;
  /**
   * Short facts read from the definition alone, for lists: the CLI shows each key as a
   * column, the admin page as `facts` (e.g. `{ account: 'business' }`). The core knows
   * no plugin's fields, so this is how they reach a list.
   */
  describe?(def: ConnectionDefinition): Record<string, string>;
  /** Browser sign-in (OAuth), shared by the CLI and the admin UI. */
  authorize?: Authorizer;
  /** Checks the connection end to end; the report is shown as-is (no secrets in it). */
  test?(def: ConnectionDefinition, services: Services): Promise<ConnectionTestReport>;
  /** Revokes the grant at the service (best effort) and forgets it locally. */
  disconnect?(def: ConnectionDefinition, services: Services): Promise<{ revoked: boolean; detail?: string }>;
  /** Lists one folder for the admin UI's folder browser ('' is the root). */
  browse?(def: ConnectionDefinition, services: Services, path: string): Promise<BrowseEntry[]>;
  /**
   * Values to choose from for the fields whose schema says `"x-choices": "<name>"`, read
   * from the service with the connection's grant (e.g. the people of an organisation),
   * so the admin form offers a list where the file wants an id. `query` filters; the
   * list is cut to a few dozen, `total` saying how many matched.
   */
  choices?(def: ConnectionDefinition, name: string, services: Services, opts: { query?: string }): Promise<ChoiceList>;
}

/** One value a field may take: `value` is what the file gets, `title` and `detail` are for people. */
export interface Choice {
  value: string;
  title: string;
  detail?: string;
}

/** The first choices that matched and how many did in all (more than `items` when cut). */
export interface ChoiceList {
  items: Choice[];
  total: number;
}

export interface Authorizer {
  /**
   * Starts a flow: returns the URL to open and the single-use `state` bound to this
   * connection and flow. `redirect` flows come back to `redirectUrl` with ?code&state;
   * `paste` flows show the code to the user, who pastes it into `complete`.
   */
  begin(
    def: ConnectionDefinition,
    services: Services,
    opts: { mode: 'redirect' | 'paste'; redirectUrl?: string },
  ): Promise<{ url: string; state: string }>;
  /** Finishes a flow with what came back (query of the callback, or a pasted code). */
  complete(
    def: ConnectionDefinition,
    services: Services,
    params: { state: string; code?: string; error?: string; errorDescription?: string },
  ): Promise<ConnectionStatus>;
}

export interface ConnectionTestReport {
  ok: boolean;
  /** Lines of `label: value` for people, e.g. ['account: Sandy (sandy@example.com)', ...]. */
  lines: Array<[label: string, value: string]>;
  /** Machine-readable details for the admin UI. */
  details: Record<string, unknown>;
}

export interface BrowseEntry {
  name: string;
  path: string;
  folder: boolean;
  size?: number;
  modified?: string;
}

export interface ConnectionStatus {
  state: 'authorised' | 'needs-authorisation' | 'needs-reauthorisation' | 'error';
  /** e.g. the account's name and email. */
  label?: string;
  detail?: string;
}

/** A previous task's output, handed to the next task. */
export interface TaskOutput {
  kind: string;
  items: unknown[];
}

export interface TaskContext<Conn = unknown> {
  connection: Conn;
  log: Logger;
  signal: AbortSignal;
  dryRun: boolean;
  /** Output of the task before this one in the same run, if any. */
  input?: TaskOutput;
  progress(p: Progress): void;
  /**
   * What the task will transfer, once it knows: the run's totals (files and bytes of
   * the CLI bar and the admin UI) become these instead of growing as files start.
   * Callable again to correct them.
   */
  planned(p: PlannedWork): void;
  /** Values for `{date}`-style placeholders. */
  vars: {
    now: Date;
    timezone: string;
    job: string;
    /** Directory of config.yaml: relative local paths in task options are read from here. */
    baseDir: string;
  };
}

/** One action a task took or, in a dry run, would take. */
export interface TaskAction {
  action: string;
  target: string;
  reason?: string;
  bytes?: number;
}

/** A link the task made to something it wrote or found, for the run's record and its notification. */
export interface TaskLink {
  target: string;
  url: string;
  /** ISO date-time after which the link stops working, when it does. */
  expires?: string;
}

export interface TaskResult {
  /** e.g. { uploaded: 3, skipped: 1 } */
  counts: Record<string, number>;
  bytes: number;
  /** Files the task transferred, copied or moved (the metrics count them); 0 when left out. */
  files?: number;
  output?: TaskOutput;
  actions: TaskAction[];
  warnings: string[];
  links?: TaskLink[];
}

export interface TaskType<Opts = any, Conn = any> {
  name: string;
  /** JSON Schema of the task's options object. */
  schema: JsonSchema;
  /** Extra checks after the schema passed; returns problems as [path, message]. */
  check?(opts: Opts): Array<[path: string, message: string]>;
  run(opts: Opts, ctx: TaskContext<Conn>): Promise<TaskResult>;
}

/**
 * A way to start a job besides the clock, e.g. `dropbox` (changes under a folder). The
 * job's `trigger: { <name>: options }` names it; the core debounces what `watch` reports
 * and hands the folded items to the run's first task as its input.
 */
export interface TriggerType<Opts = any, Conn = any> {
  name: string;
  /** JSON Schema of the trigger's options object. */
  schema: JsonSchema;
  /**
   * Names an item, so a later report of the same one replaces the earlier within a
   * debounce (a file written twice is handed on once). Without it every report is kept.
   */
  itemKey?(item: unknown): string;
  /**
   * False for a trigger that watches nothing of the job's connection (a local folder):
   * none is opened for it, and its watch gets `connection: undefined`. Default true.
   */
  usesConnection?: boolean;
  /** Watches until `ctx.signal` aborts; resolves then. Throws only for a fault a retry cannot mend. */
  watch(opts: Opts, ctx: TriggerContext<Conn>): Promise<void>;
}

export interface TriggerContext<Conn = unknown> {
  connection: Conn;
  log: Logger;
  /** Aborts on the daemon's stop, a reload that changes the job, or its removal. */
  signal: AbortSignal;
  /** Where the watcher keeps its position, so a restart picks up what changed while down. */
  store: PluginStore;
  /** A key naming this job's watch (letters, digits, `.`, `_`, `-`) for `store`. */
  key: string;
  /** Directory of config.yaml: relative local paths in the trigger's options are read from here. */
  baseDir: string;
  /**
   * Reports what changed, in the shape a task hands on (the first task's input). The core
   * keeps the items in the store until a run that took them has ended; the reports of one
   * debounce are folded into the first one, their items appended (by itemKey).
   */
  onChange(output: TaskOutput): void;
  /**
   * Resolves once everything reported so far is kept in the store (and, past a bound,
   * once a run has taken some); rejects when it cannot be, or the watch is stopping. A
   * watcher saves its position only after it, so nothing it moved past is lost.
   */
  kept(): Promise<void>;
}

/** A CLI command a plugin adds, e.g. `auth` or `emulator`. */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(args: string[], cli: CliContext): Promise<number>;
}

export interface CliContext {
  configFile: string | undefined;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

/** A service stand-in started when config.yaml says `sandbox: true`. */
export interface Sandbox {
  url: string;
  /** True when it is another process's sandbox (the daemon's) on the same port, used as is. */
  shared?: boolean;
  close(): Promise<void>;
}

/** One line of `dropcron doctor`. */
export interface DoctorCheck {
  /** What was checked, e.g. "connection 'work': clock". */
  subject: string;
  ok: boolean;
  /** What was found. */
  detail: string;
  /** What to do about it, when not ok. */
  fix?: string;
}

/** What a plugin's doctor checks: its own connections and the jobs that use them. */
export interface DoctorContext {
  connections: ConnectionDefinition[];
  jobs: JobDefinition[];
  services: Services;
  /** Directory of config.yaml: relative local paths in task options are read from here. */
  baseDir: string;
  /**
   * False when there is no master key yet: nothing is stored, and reading the vault would
   * create the key (a doctor writes nothing).
   */
  vault: boolean;
  /**
   * The most bytes each task of `job` moved in one past run, by task position (a task
   * whose type differs from the recorded one has no figure); [] when the job never ran;
   * undefined when no history is read (a PostgreSQL store: reading could migrate it).
   */
  largestRuns(job: JobDefinition): Promise<(number | undefined)[] | undefined>;
}

/** A plugin's part of a new config folder (`dropcron init`). */
export interface Starter {
  /** Its commented section of config.yaml (under its name), appended to the core's. */
  config: string;
  /** Files by path relative to the config folder, e.g. 'connections/sandbox.yaml'. */
  files: Record<string, string>;
}

export interface Plugin {
  name: string;
  /** Schema of the plugin's own section in config.yaml, under its name (e.g. `dropbox:`). */
  configSchema?: JsonSchema;
  connectionTypes: ConnectionType[];
  taskTypes: TaskType[];
  /** What besides the clock may start a job (`trigger:` in a job file). */
  triggerTypes?: TriggerType[];
  commands?: CliCommand[];
  /** Starts the plugin's sandbox service for demos and tests. */
  startSandbox?(services: Services): Promise<Sandbox>;
  /** What `dropcron init` writes for the plugin into a new config folder. */
  starter?(): Promise<Starter>;
  /**
   * `dropcron doctor`: what only the plugin can judge (the service reachable through each
   * connection, scopes its tasks need, the tasks' local folders). Reads, never writes.
   */
  doctor?(ctx: DoctorContext): Promise<DoctorCheck[]>;
  /**
   * Every error code the plugin's errors carry, with kind, meaning and fix: ERRORS.md is
   * generated from it. A plugin's errors reach the core as CodedError objects.
   */
  errors?: ErrorCatalogue;
}

// The error model (src/errors.ts): what crosses the boundary is a CodedError.
export type { CodedError, ErrorCatalogue, ErrorEntry, ErrorKind } from './errors.ts';
export { DropcronError, toCoded, type PartialFailure } from './errors.ts';

// Helpers the core offers plugins.
export { sleep, backoffDelay } from './scheduler/timers.ts';
export { oneLine } from './one-line.ts';
export { formatBytes } from './format-bytes.ts';
export { processAlive } from './process-alive.ts';
export { KeyedQueue } from './keyed-queue.ts';
export { jobTriggerSchemas } from './triggers/options-schema.ts';
export { zonedParts, wallTimeToDate } from './zoned-time.ts';
