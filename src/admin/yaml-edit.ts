// Writes connection files for the admin UI. Edits go through yaml's Document API, so
// comments, key order and ${VAR} references the user wrote survive; values typed in
// the UI are written literally (`$${`); the result is checked by the one config
// loader before it replaces the file atomically.
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Document, isMap, parseDocument } from 'yaml';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import { formatProblem, type ConfigProblem } from '../config/problems.ts';
import { parseYaml, type Env } from '../config/yaml-file.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { mirrorOf } from '../store/definitions-mirror.ts';
import { KeyedQueue } from '../keyed-queue.ts';

/** The file was not written: every problem, each as `file:line:col path message`. */
export class InvalidEditError extends Error {
  override name = 'InvalidEditError';
  readonly statusCode = 400;
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => formatProblem(p)).join('; '));
  }
}

type Settings = Record<string, unknown>;

export interface Edit {
  /** Non-secret settings; `replace` makes the file hold exactly these, `merge` touches only the keys given (null deletes). */
  settings: Settings;
  mode: 'replace' | 'merge';
  /** Secret fields never written or removed by a settings edit (dotted paths). */
  secretPaths: string[];
  /** Secret fields to remove from the YAML (moved to the vault, or cleared). */
  dropSecrets?: string[];
}

const FIXED = new Set(['name', 'type', '$schema']);

function isPlain(v: unknown): v is Settings {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `value` as the loader must read it back: every `${` in a string becomes `$${`, the
 * loader's escape for a literal `${`. Text typed into the UI is data, never a
 * reference, so it cannot read the daemon's environment (the admin password, the
 * master key) back out through the API.
 */
export function literal<T>(value: T): T {
  // A function, because `$$` in a replacement string means one `$`.
  if (typeof value === 'string') return value.replaceAll('${', () => '$${') as T;
  if (Array.isArray(value)) return value.map((v) => literal(v) as unknown) as T;
  if (isPlain(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, literal(v)])) as T;
  return value;
}

/**
 * Makes the node at `segs` hold `next`, where the file's (interpolated) value is `cur`:
 * null or undefined deletes it, maps are walked key by key (keys missing from `next`
 * are deleted), and only values that differ are written, so unchanged `${VAR}`
 * references, comments and key order stay. Paths in `skip` (dotted) are left alone.
 * Returns whether anything changed.
 */
export function setChanged(
  doc: Document,
  segs: Array<string | number>,
  cur: unknown,
  next: unknown,
  skip: ReadonlySet<string> = new Set(),
): boolean {
  if (skip.has(segs.join('.'))) return false;
  if (next === undefined || next === null) {
    if (!doc.hasIn(segs)) return false;
    doc.deleteIn(segs);
    return true;
  }
  if (isPlain(next) && isPlain(cur) && isMap(doc.getIn(segs, true))) {
    let changed = false;
    for (const k of new Set([...Object.keys(cur), ...Object.keys(next)]))
      if (setChanged(doc, [...segs, k], cur[k], next[k], skip)) changed = true;
    return changed;
  }
  if (isDeepStrictEqual(cur, next)) return false;
  doc.setIn(segs, literal(next));
  return true;
}

/** The new text of an existing connection file after `edit`. */
export function editedText(file: string, source: string, env: Env, edit: Edit): string {
  const doc = parseDocument(source); // raw: ${VAR} stays as written
  if (doc.errors.length) throw new InvalidEditError(parseYaml(file, source, env).problems);
  const current = (parseYaml(file, source, env).data ?? {}) as Settings;
  const secret = new Set(edit.secretPaths);
  let changed = false;
  const keys =
    edit.mode === 'replace'
      ? new Set([...Object.keys(current), ...Object.keys(edit.settings)])
      : new Set(Object.keys(edit.settings));
  for (const k of keys) if (!FIXED.has(k) && setChanged(doc, [k], current[k], edit.settings[k], secret)) changed = true;
  for (const path of edit.dropSecrets ?? []) {
    const segs = path.split('.');
    if (doc.hasIn(segs)) {
      doc.deleteIn(segs);
      changed = true;
    }
  }
  // yaml re-spaces inline comments when it prints; an edit that changed nothing keeps the file as it was.
  return changed ? String(doc) : source;
}

/** `source` with `values` set under `base` (e.g. a job's task options); other nodes untouched. */
export function textWithValues(source: string, base: Array<string | number>, values: Record<string, unknown>): string {
  const doc = parseDocument(source);
  let changed = false;
  for (const [k, v] of Object.entries(values)) {
    const written = literal(v);
    if (!isDeepStrictEqual(doc.getIn([...base, k]), written)) {
      doc.setIn([...base, k], written);
      changed = true;
    }
  }
  return changed ? String(doc) : source;
}

/** `fixed` then `settings` (literal, nulls left out), keys in the schema's `order`, as a new file's text. */
export function orderedFileText(fixed: Settings, settings: Settings, order: string[], comment: string): string {
  const data: Settings = { ...fixed };
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  for (const k of Object.keys(settings).sort((a, b) => rank(a) - rank(b))) {
    if (!FIXED.has(k) && settings[k] !== undefined && settings[k] !== null) data[k] = literal(settings[k]);
  }
  const doc = new Document(data);
  doc.commentBefore = comment;
  return String(doc);
}

/** The text of a new connection file, keys in the schema's order. */
export function newFileText(name: string, type: string, settings: Settings, order: string[]): string {
  return orderedFileText(
    { name, type },
    settings,
    order,
    ' Created in the dropcron admin UI. Secrets entered there live in the encrypted vault, not here.',
  );
}

/**
 * Checks a connection or job file's candidate text with the real loader: a scratch
 * copy of that directory with the candidate in place, loaded against the same config
 * and plugins (and the real connections, for jobs). Returns the candidate's problems
 * with the real path.
 */
export async function checkCandidate(
  loaded: LoadedConfig,
  env: Env,
  file: string,
  text: string,
): Promise<ConfigProblem[]> {
  const kind = dirname(file) === loaded.config.jobs ? 'jobs' : 'connections';
  const scratch = await mkdtemp(join(tmpdir(), 'dropcron-check-'));
  try {
    const dir = join(scratch, kind);
    await mkdir(dir, { mode: 0o700 });
    const real = loaded.config[kind];
    for (const n of await readdir(real).catch(() => [] as string[])) {
      if (/\.ya?ml$/.test(n) && !n.startsWith('.') && join(real, n) !== file)
        await copyFile(join(real, n), join(dir, n));
    }
    const candidate = join(dir, basename(file));
    await writeFileAtomic(candidate, text);
    // config.yaml minus the admin section (it may hold the password), pointing at the scratch copy.
    const cfg = parseDocument(await readFile(loaded.config.file, 'utf8'));
    if (!isMap(cfg.contents)) cfg.contents = cfg.createNode({}) as never;
    cfg.deleteIn(['admin']);
    await mkdir(join(scratch, 'empty'));
    cfg.setIn(['connections'], kind === 'connections' ? dir : loaded.config.connections);
    cfg.setIn(['jobs'], kind === 'jobs' ? dir : join(scratch, 'empty'));
    cfg.setIn(['state'], join(scratch, 'state'));
    const cfgFile = join(scratch, 'config.yaml');
    await writeFileAtomic(cfgFile, String(cfg));
    const checked = await loadConfig(cfgFile, { env, registry: loaded.registry });
    return checked.problems
      .filter((p) => p.file === candidate)
      .map((p) => ({ ...p, file, message: p.message.split(dir).join(real) }));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Read-edit-write steps on one file, keyed by its path, run one at a time, so two
 * saves arriving together never lose each other's change.
 */
export const fileEditQueue = new KeyedQueue();

/**
 * Validates `text` for `file` and, only when it is valid, replaces the file atomically.
 * When the daemon shares definitions with a cluster, the text is published to the store
 * first, based on the version this daemon last had (StaleDefinitionError, 409, when
 * another daemon changed it since): nothing is written unless every daemon gets it.
 */
export async function writeChecked(loaded: LoadedConfig, env: Env, file: string, text: string): Promise<void> {
  const problems = await checkCandidate(loaded, env, file, text);
  if (problems.length) throw new InvalidEditError(problems);
  const write = async () => {
    const mode = await stat(file).then(
      (s) => s.mode & 0o777,
      () => 0o600,
    );
    await writeFileAtomic(file, text, mode);
  };
  const mirror = mirrorOf(file);
  await (mirror ? mirror.publish(file, text, write) : write());
}
