// The one configuration loader: config.yaml, every connection file and every job
// file, validated together so that all problems in all files come out in one run.
import { readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import cron from 'node-cron';
import type { ValidateFunction } from 'ajv';
import { readYamlFile, type Env, type YamlFile } from './yaml-file.ts';
import { pointerToSegments, validateData } from './validate.ts';
import { validatorsFor, type Validators } from './validators.ts';
import { schemaDefaults } from './defaults.ts';
import type { ConfigProblem } from './problems.ts';
import { capProblems, formatPath } from './problems.ts';
import { parseDuration } from './duration.ts';
import { proxyProblems } from '../net/proxy-check.ts';
import { fillStoredSecrets } from './stored-secrets.ts';
import { uniqueNames } from './unique-names.ts';
import { pluginNamesIn } from './plugin-names.ts';
import { defaultStateDir } from './config-file.ts';
import { nextRuns } from '../scheduler/next-run.ts';
import { cronBoundsProblem } from '../scheduler/cron-bounds.ts';
import { oneLine } from '../one-line.ts';
import type { DaemonConfig, JobDefinition, ConnectionDefinition, TriggerDefinition } from './types.ts';
import { loadPlugins, type Registry } from '../registry.ts';
import { exposureProblem } from '../admin/exposure.ts';

export interface LoadedConfig {
  config: DaemonConfig;
  registry: Registry;
  connections: ConnectionDefinition[];
  jobs: JobDefinition[];
  problems: ConfigProblem[];
  /** Files that had problems: a hot reload keeps their last valid version. */
  invalidFiles: Set<string>;
  /**
   * The text of each connection and job file as this load read it: what was judged is
   * exactly this text (a file written again since may hold something else).
   */
  sources: Map<string, string>;
}

export interface LoadOptions {
  env?: Env;
  /** Overrides `plugins:` from config.yaml (tests). */
  registry?: Registry;
}

export async function loadConfig(configFile: string, opts: LoadOptions = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const problems: ConfigProblem[] = [];
  const invalidFiles = new Set<string>();
  const file = resolve(configFile);
  const yf = await readYamlFile(file, env);
  problems.push(...yf.problems);

  const raw = (isObject(yf.data) ? yf.data : {}) as Record<string, unknown>;
  const pluginNames = pluginNamesIn(raw);
  let registry = opts.registry;
  if (!registry) {
    try {
      registry = await loadPlugins(pluginNames);
    } catch (err) {
      const pos = yf.position(['plugins']);
      problems.push({ file, ...pos, path: 'plugins', message: `cannot load plugin: ${(err as Error).message}` });
      registry = await loadPlugins([]);
    }
  }
  const validators = validatorsFor(registry);
  const checkConfig = validators.config;
  // Before validation fills in the schema's defaults: whether the file names a state directory.
  const namesState = isObject(yf.data) && typeof yf.data.state === 'string';
  if (yf.data !== undefined) {
    if (!isObject(yf.data))
      problems.push({ file, ...yf.position([]), path: '', message: 'must be a mapping of settings' });
    else problems.push(...validateData(checkConfig, yf, yf.data));
  }
  problems.splice(0, problems.length, ...capProblems(problems));
  if (problems.length) invalidFiles.add(file);
  const config = finishConfig(
    file,
    (isObject(yf.data) ? yf.data : {}) as Record<string, unknown>,
    checkConfig,
    namesState ? undefined : env,
  );
  if (!isValidTimeZone(config.timezone)) {
    problems.push({
      file,
      ...yf.position(['timezone']),
      path: 'timezone',
      message: `'${config.timezone}' is not a known IANA time zone (e.g. Europe/Berlin, UTC)`,
    });
    config.timezone = schemaDefaults(checkConfig).timezone as string;
  }
  // Refused here, not only when the admin server starts: `validate` says so, and the
  // daemon stops before it has scheduled (let alone started) anything.
  const exposed = config.admin.enabled ? exposureProblem(config.admin) : undefined;
  if (exposed) problems.push({ file, ...yf.position(['admin', 'host']), path: 'admin.host', message: exposed });

  const sources = new Map<string, string>();
  const files = { invalid: invalidFiles, sources };
  const connections = await loadConnections(config.connections, registry, validators, env, problems, files, yf);
  const jobs = await loadJobs(config, registry, validators, env, problems, files, new Set(connections.all), yf);
  await fillStoredSecrets(config, connections.valid, env);
  return { config, registry, connections: connections.valid, jobs, problems, invalidFiles, sources };
}

/**
 * config.yaml with the schema's defaults filled in and paths made absolute. A value
 * the schema refused (already among the problems) is replaced by its default, so
 * loading goes on and reports the other files' problems in the same run.
 */
function finishConfig(
  file: string,
  data: Record<string, unknown>,
  check: ValidateFunction,
  /** Given when config.yaml names no state directory: config-file.ts decides where it goes. */
  stateEnv: Env | undefined,
): DaemonConfig {
  const copy = structuredClone(data);
  if (!check(copy as unknown)) {
    const refused = (check.errors ?? []).map((e) => pointerToSegments(e.instancePath)[0]);
    const defaults = schemaDefaults(check);
    for (const key of refused) {
      if (typeof key !== 'string') continue;
      if (key in defaults) copy[key] = defaults[key];
      else delete copy[key];
    }
  }
  const c = copy as unknown as DaemonConfig;
  const base = dirname(file);
  return {
    ...c,
    file,
    state: stateEnv ? defaultStateDir(file, { env: stateEnv }) : resolve(base, c.state),
    connections: resolve(base, c.connections),
    jobs: resolve(base, c.jobs),
  };
}

/**
 * The YAML files of a config directory, or a problem at the config.yaml key that names
 * it (where the user wrote the path), not at the directory itself.
 */
async function yamlFilesIn(
  dir: string,
  key: 'connections' | 'jobs',
  config: YamlFile,
): Promise<string[] | ConfigProblem> {
  try {
    const names = await readdir(dir);
    return names
      .filter((n) => /\.ya?ml$/.test(n) && !n.startsWith('.'))
      .sort()
      .map((n) => join(dir, n));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      file: config.file,
      ...config.position([key]),
      path: key,
      message: `${code === 'ENOENT' ? 'directory not found' : `cannot read directory (${code})`}: ${dir}`,
    };
  }
}

/** What the loaders record of the files they read: which had problems, and each one's text. */
interface FilesRead {
  invalid: Set<string>;
  sources: Map<string, string>;
}

async function loadConnections(
  dir: string,
  registry: Registry,
  validators: Validators,
  env: Env,
  problems: ConfigProblem[],
  { invalid: invalidFiles, sources }: FilesRead,
  configFile: YamlFile,
): Promise<{ valid: ConnectionDefinition[]; all: string[] }> {
  const files = await yamlFilesIn(dir, 'connections', configFile);
  if (!Array.isArray(files)) {
    problems.push(files);
    return { valid: [], all: [] };
  }
  const { connection: base, connectionTypes: typeChecks } = validators;
  const valid: ConnectionDefinition[] = [];
  const all: string[] = [];
  const claimName = uniqueNames('connection');
  for (const file of files) {
    const yf = await readYamlFile(file, env);
    sources.set(file, yf.source);
    const mine: ConfigProblem[] = [...yf.problems];
    if (yf.data !== undefined) {
      if (!isObject(yf.data))
        mine.push({ file, ...yf.position([]), path: '', message: 'must be a mapping (name, type, ...)' });
      else {
        const data = yf.data as Record<string, unknown>;
        const type = typeof data.type === 'string' ? data.type : undefined;
        const ct = type ? registry.connectionTypes.get(type) : undefined;
        // A known type's schema holds the core's fields too (Registry); the core's alone is for the rest.
        mine.push(...validateData(ct ? typeChecks.get(ct.type)! : base, yf, data));
        if (typeof data.name === 'string') {
          all.push(data.name);
          mine.push(...claimName(yf, data.name));
        }
        if (type && !ct) {
          mine.push({
            file,
            ...yf.position(['type']),
            path: 'type',
            message: `unknown connection type '${type}' (known: ${[...registry.connectionTypes.keys()].join(', ') || 'none'})`,
          });
        } else if (ct) {
          if (!mine.length && data.proxy !== undefined) {
            // Like every local path in the config, a CA file is read from config.yaml's folder.
            const proxy = data.proxy;
            if (isObject(proxy) && typeof proxy.ca === 'string' && proxy.ca !== '')
              proxy.ca = resolve(dirname(configFile.file), proxy.ca);
            for (const [path, message] of proxyProblems(data.proxy)) {
              mine.push({ file, ...yf.position(['proxy', ...pathSegments(path)]), path: `proxy.${path}`, message });
            }
          }
          if (!mine.length && ct.check) {
            for (const [path, message] of pluginCheck(() => ct.check!({ ...data, file } as ConnectionDefinition))) {
              mine.push({ file, ...yf.position(pathSegments(path)), path, message });
            }
          }
        }
        if (!mine.length) valid.push({ ...(data as object), file } as ConnectionDefinition);
      }
    }
    if (mine.length) invalidFiles.add(file);
    problems.push(...capProblems(mine));
  }
  return { valid, all };
}

async function loadJobs(
  config: DaemonConfig,
  registry: Registry,
  validators: Validators,
  env: Env,
  problems: ConfigProblem[],
  { invalid: invalidFiles, sources }: FilesRead,
  connectionNames: Set<string>,
  configFile: YamlFile,
): Promise<JobDefinition[]> {
  const files = await yamlFilesIn(config.jobs, 'jobs', configFile);
  if (!Array.isArray(files)) {
    problems.push(files);
    return [];
  }
  const check = validators.job;
  const jobs: JobDefinition[] = [];
  const claimName = uniqueNames('job');
  for (const file of files) {
    const yf = await readYamlFile(file, env);
    sources.set(file, yf.source);
    const mine: ConfigProblem[] = [...yf.problems];
    let job: JobDefinition | undefined;
    if (yf.data !== undefined) {
      if (!isObject(yf.data))
        mine.push({
          file,
          ...yf.position([]),
          path: '',
          message: 'must be a mapping (name, schedule, connection, tasks)',
        });
      else {
        const data = yf.data as Record<string, any>;
        const schemaProblems = validateData(check, yf, data);
        mine.push(...schemaProblems);
        mine.push(...checkJob(yf, data, config, registry, connectionNames, schemaProblems));
        if (typeof data.name === 'string') mine.push(...claimName(yf, data.name));
        if (!mine.length) job = toJob(file, data, config);
      }
    }
    if (mine.length) invalidFiles.add(file);
    else if (job) jobs.push(job);
    problems.push(...capProblems(mine));
  }
  return jobs;
}

function checkJob(
  yf: YamlFile,
  data: Record<string, any>,
  config: DaemonConfig,
  registry: Registry,
  connectionNames: Set<string>,
  schemaProblems: ConfigProblem[],
): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const at = (segs: Array<string | number>, message: string) =>
    out.push({ file: yf.file, ...yf.position(segs), path: formatPath(segs), message });
  if (typeof data.schedule === 'string') {
    const tz = typeof data.timezone === 'string' && isValidTimeZone(data.timezone) ? data.timezone : config.timezone;
    const msg = cronProblem(data.schedule, tz);
    if (msg) at(['schedule'], msg);
  }
  if (typeof data.timezone === 'string' && !isValidTimeZone(data.timezone)) {
    at(['timezone'], `'${data.timezone}' is not a known IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)`);
  }
  if (typeof data.connection === 'string' && !connectionNames.has(data.connection)) {
    const known = [...connectionNames];
    at(
      ['connection'],
      `names connection '${data.connection}', which does not exist (known: ${known.join(', ') || 'none'}; add ${config.connections}/${data.connection}.yaml)`,
    );
  }
  if (Array.isArray(data.tasks)) {
    data.tasks.forEach((t: unknown, i: number) => {
      if (!isObject(t)) return;
      const [type] = Object.keys(t);
      const tt = type ? registry.taskTypes.get(type) : undefined;
      if (!tt?.check || !isObject((t as any)[type!])) return;
      // A plugin's check may assume the types its schema promises (`from` is a string):
      // run it only on a task the schema accepted.
      const prefix = formatPath(['tasks', i]);
      if (schemaProblems.some((p) => p.path === prefix || p.path.startsWith(`${prefix}.`))) return;
      for (const [path, message] of pluginCheck(() => tt.check!((t as any)[type!]))) {
        at(['tasks', i, type!, ...pathSegments(path)], message);
      }
    });
  }
  return out;
}

/**
 * Runs a plugin's extra checks. A check that throws is a bug in the plugin, but it must
 * not take the loader (and with it the daemon's hot reload) down: it becomes a problem
 * at the file like any other.
 */
function pluginCheck(check: () => Array<[string, string]>): Array<[string, string]> {
  try {
    return check();
  } catch (err) {
    return [['', `could not be checked: ${oneLine(err)}`]];
  }
}

/**
 * cronProblem's answers. One depends on the expression and zone only, never on the time,
 * and the jobs of a large config share a few schedules: asking node-cron once each
 * saves about a millisecond per job at every load. Bounded, and only for short
 * expressions, since the admin API checks what a client sends.
 */
const cronAnswers = new Map<string, string | undefined>();

/** A one-line reason why a cron expression is invalid, or undefined when it is fine. */
export function cronProblem(expr: string, timezone = 'UTC'): string | undefined {
  if (expr.length > 100) return checkCron(expr, timezone);
  const key = `${timezone} ${expr}`;
  if (cronAnswers.has(key)) return cronAnswers.get(key);
  if (cronAnswers.size >= 10_000) cronAnswers.clear();
  const answer = checkCron(expr, timezone);
  cronAnswers.set(key, answer);
  return answer;
}

function checkCron(expr: string, timezone: string): string | undefined {
  const bounds = cronBoundsProblem(expr);
  if (bounds) return bounds;
  const res = cron.validateDetailed(expr) as {
    valid: boolean;
    errors?: Array<{ field: string; value: string; message: string }>;
  };
  if (res.valid) {
    // Valid field by field can still never fire (February 30th); say so now rather
    // than when the scheduler starts.
    try {
      nextRuns(expr, timezone, 1);
      return undefined;
    } catch (err) {
      return `'${expr}' never fires (${(err as Error).message})`;
    }
  }
  const e = res.errors?.[0];
  return e
    ? `'${expr}' is not a valid cron expression: '${e.value}' is not a valid ${e.field}`
    : `'${expr}' is not a valid cron expression`;
}

/**
 * Zones isValidTimeZone found: building an Intl.DateTimeFormat to ask costs about 60 µs,
 * and a config's jobs name a few zones between them, each asked twice per job at every
 * load. Only known zones are kept, and at most 1,000 spellings of them (the admin API
 * asks about what a client sends).
 */
const knownZones = new Set<string>();

export function isValidTimeZone(tz: string): boolean {
  if (knownZones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    return false;
  }
  if (knownZones.size < 1000) knownZones.add(tz);
  return true;
}

function toJob(file: string, d: Record<string, any>, config: DaemonConfig): JobDefinition {
  return {
    name: d.name,
    file,
    description: d.description,
    enabled: d.enabled,
    schedule: d.schedule,
    ...(d.trigger ? { trigger: toTrigger(d.trigger) } : {}),
    timezone: d.timezone ?? config.timezone,
    connection: d.connection,
    overlap: d.overlap,
    timeoutMs: d.timeout ? parseDuration(d.timeout) : undefined,
    catchUp: d.catchUp,
    // The schema's pattern admits only durations parseDuration reads.
    retries: { count: d.retries.count, backoffMs: parseDuration(d.retries.backoff)! },
    notify: d.notify ?? config.notify,
    tasks: (d.tasks as Array<Record<string, Record<string, unknown>>>).map((t) => {
      const type = Object.keys(t)[0]!;
      return { type, options: t[type]! };
    }),
  };
}

/** `trigger: { <type>: options }`; every trigger type takes `debounce` (the core folds what it reports). */
function toTrigger(t: Record<string, Record<string, unknown>>): TriggerDefinition {
  const type = Object.keys(t)[0]!;
  const options = t[type]!;
  const { debounce, ...own } = options;
  // The schema's default fills it in; its pattern admits only durations parseDuration reads.
  return { type, options: own, debounceMs: parseDuration(debounce as string)! };
}

/** `a.b[0].c` -> ['a', 'b', 0, 'c'] */
export function pathSegments(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
