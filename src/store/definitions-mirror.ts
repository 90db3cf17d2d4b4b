// A daemon's copy of the cluster's definitions. The store is the truth; each daemon
// mirrors it into its own connections/ and jobs/ folders (atomic writes), so the one
// config loader and the folder watcher take effect as for a hand edit. Edits made here
// (by hand, or in the admin UI) go the other way once the loader accepts them, with a
// compare-and-set on the store version the file was last in step with: the "base".
//
// Per file, with L the local text, B the base and S the store's row:
// - L is B's text (untouched here): follow the store (write S, or delete when S is gone).
// - L was deleted here: delete it in the store if S is still B, else restore S.
// - L is new or edited here: publish it if S is still B (and the loader accepts L);
//   if S moved on meanwhile, the store wins and L is kept aside as `.NAME.local`.
// At a daemon's first sync there are no bases: a store that never held a definition is
// seeded from the folders; otherwise the store wins, and what it replaced is logged.
import { readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { formatProblem, type ConfigProblem } from '../config/problems.ts';
import type { Logger } from '../log.ts';
import { writeFileAtomic } from './atomic.ts';
import { DEFINITION_KINDS, definitionKey, isDefinitionName, StaleDefinitionError } from './definitions.ts';
import type { Definition, DefinitionChange, DefinitionKind, DefinitionRows } from './store.ts';

export interface MirrorOptions {
  definitions: DefinitionRows;
  dirs: Record<DefinitionKind, string>;
  log: Logger;
  /** Why a file the loader accepts must still not be shared (a secret in clear text); none: it may. */
  refuse?: (kind: DefinitionKind, file: string, text: string) => ConfigProblem[];
}

/** An admin edit the loader accepts but the cluster must not share. */
export class RefusedDefinitionError extends Error {
  override name = 'RefusedDefinitionError';
  readonly statusCode = 400;
  constructor(problems: ConfigProblem[]) {
    super(problems.map((p) => formatProblem(p)).join('; '));
  }
}

/** What a local file held when it was last in step with the store, and that store version. */
interface Base {
  version: string;
  text: string;
}

/**
 * Whether the loader accepted this very text of a file (absolute path). Judged by text,
 * not by file: a file written again after the load that judged it is not published
 * until a load has judged the new text.
 */
export interface Accepted {
  accepts(file: string, text: string): boolean;
}

/** The mirror of each folder in this process, so an admin edit of a file finds its mirror. */
const mirrors = new Map<string, DefinitionsMirror>();

/** The mirror that owns `file`'s folder, if the daemon that owns it shares definitions. */
export function mirrorOf(file: string): DefinitionsMirror | undefined {
  return mirrors.get(dirname(file));
}

export class DefinitionsMirror {
  private readonly base = new Map<string, Base>();
  private readonly log: Logger;
  private readonly by = `${hostname()}:${process.pid}`;
  /** The store's revision at the last sync; undefined before the first. */
  private seen: string | undefined;
  /** Syncs and admin publishes, one at a time. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Per file, the text whose refusal was last logged, so each refusal is logged once. */
  private readonly refusedText = new Map<string, string>();

  constructor(private readonly opts: MirrorOptions) {
    this.log = opts.log.child({ part: 'definitions' });
    for (const kind of DEFINITION_KINDS) mirrors.set(opts.dirs[kind], this);
  }

  close(): void {
    for (const kind of DEFINITION_KINDS)
      if (mirrors.get(this.opts.dirs[kind]) === this) mirrors.delete(this.opts.dirs[kind]);
  }

  /** Whether the store changed since the last sync: one small query, polled every second. */
  async changed(): Promise<boolean> {
    return (await this.opts.definitions.revision()) !== this.seen;
  }

  /**
   * Brings the folders and the store into step. Only texts the loader `accepted` are
   * published. True when it changed a local file, so the caller loads the folders again.
   */
  sync(accepted: Accepted): Promise<boolean> {
    return this.exclusive(async () => {
      try {
        return await this.syncNow(accepted);
      } catch (err) {
        // Sync again at the next poll, whatever the revision then (a local edit may be waiting).
        if (this.seen !== undefined) this.seen = '';
        throw err;
      }
    });
  }

  /**
   * An edit from the admin UI that the loader accepted: published with a compare-and-set
   * on the file's base, then written by `write`. A stale base throws
   * StaleDefinitionError (409) and writes nothing.
   */
  publish(file: string, text: string, write: () => Promise<void>): Promise<void> {
    return this.exclusive(async () => {
      const key = this.keyOf(file);
      const refused = this.opts.refuse?.(this.split(key).kind, file, text) ?? [];
      if (refused.length) throw new RefusedDefinitionError(refused);
      const [written] = await this.opts.definitions.apply(
        [{ ...this.split(key), text, base: this.base.get(key)?.version ?? null }],
        this.by,
      );
      await write();
      this.base.set(key, { version: written!.version, text });
    });
  }

  private async syncNow(accepted: Accepted): Promise<boolean> {
    const revision = await this.opts.definitions.revision();
    const rows = new Map((await this.opts.definitions.list()).map((d) => [definitionKey(d), d]));
    const local = await this.readLocal();
    const first = this.seen === undefined;
    const changes: DefinitionChange[] = [];
    let wrote = false;
    const follow = async (key: string, row: Definition | undefined, why?: string) => {
      const text = local.get(key);
      if (why && text !== undefined && text !== row?.text) {
        await rename(this.fileOf(key), this.asideOf(key));
        this.log.warn(
          `${this.fileOf(key)}: ${why}; ${row ? 'replaced by' : 'removed, as in'} the cluster's definitions (the local text is kept in ${this.asideOf(key)})`,
        );
      }
      if (row && row.text !== text) await this.write(key, row.text);
      else if (!row && text !== undefined) await unlink(this.fileOf(key)).catch(() => {});
      if (row) this.base.set(key, { version: row.version, text: row.text });
      else this.base.delete(key);
      if (row?.text !== text) wrote = true;
    };
    if (first && revision === '0') {
      for (const [key, text] of local)
        if (this.publishable(key, text, accepted)) changes.push({ ...this.split(key), text, base: null });
      if (changes.length)
        this.log.info(`seeding the cluster's definitions with ${changes.length} files from this daemon`);
    } else if (first) {
      for (const key of new Set([...local.keys(), ...rows.keys()]))
        await follow(key, rows.get(key), 'differed from the store at start');
    } else {
      for (const key of new Set([...local.keys(), ...rows.keys(), ...this.base.keys()])) {
        const [text, row, base] = [local.get(key), rows.get(key), this.base.get(key)];
        if (base && text === base.text) {
          if (row?.version !== base.version) await follow(key, row);
        } else if (base && text === undefined) {
          if (row?.version === base.version) changes.push({ ...this.split(key), base: base.version });
          else await follow(key, row, 'deleted here while it changed in the cluster');
        } else if (text !== undefined && text === row?.text) {
          this.base.set(key, { version: row.version, text });
        } else if (row?.version === base?.version) {
          if (text !== undefined && this.publishable(key, text, accepted))
            changes.push({ ...this.split(key), text, base: base?.version ?? null });
        } else await follow(key, row, 'edited here while it changed in the cluster');
      }
    }
    if (changes.length) {
      try {
        const written = await this.opts.definitions.apply(changes, this.by);
        for (const c of changes) if (c.text === undefined) this.base.delete(definitionKey(c));
        for (const d of written) this.base.set(definitionKey(d), { version: d.version, text: d.text });
        for (const c of changes)
          this.log.info(`${c.text === undefined ? 'deleted' : 'published'} ${definitionKey(c)} for the cluster`);
      } catch (err) {
        // Another daemon got there first: the next sync finds the store moved on, and it wins.
        if (!(err instanceof StaleDefinitionError)) throw err;
        this.log.warn(`not published: ${err.message}`);
        this.seen = '';
        return wrote;
      }
    }
    this.seen = revision;
    return wrote;
  }

  /** Accepted by the loader, and nothing in it the cluster must not share (said once per text). */
  private publishable(key: string, text: string, accepted: Accepted): boolean {
    const file = this.fileOf(key);
    if (!accepted.accepts(file, text)) return false;
    const refused = this.opts.refuse?.(this.split(key).kind, file, text) ?? [];
    if (refused.length && this.refusedText.get(key) !== text)
      for (const p of refused) this.log.warn(`${formatProblem(p)} (not shared with the cluster)`);
    if (refused.length) this.refusedText.set(key, text);
    else this.refusedText.delete(key);
    return !refused.length;
  }

  private async readLocal(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const kind of DEFINITION_KINDS) {
      const dir = this.opts.dirs[kind];
      for (const name of (await readdir(dir).catch(() => [] as string[])).filter(isDefinitionName)) {
        const text = await readFile(join(dir, name), 'utf8').catch(() => undefined);
        if (text !== undefined) out.set(definitionKey({ kind, name }), text);
      }
    }
    return out;
  }

  /** Keeps the file's mode (a user's 0644 stays 0644); new files are 0600. */
  private async write(key: string, text: string): Promise<void> {
    const file = this.fileOf(key);
    const mode = await stat(file).then(
      (s) => s.mode & 0o777,
      () => undefined,
    );
    await writeFileAtomic(file, text, mode);
  }

  private split(key: string): { kind: DefinitionKind; name: string } {
    const [kind, name] = key.split('/') as [DefinitionKind, string];
    return { kind, name };
  }

  private fileOf(key: string): string {
    const { kind, name } = this.split(key);
    return join(this.opts.dirs[kind], name);
  }

  private asideOf(key: string): string {
    const { kind, name } = this.split(key);
    return join(this.opts.dirs[kind], `.${name}.local`);
  }

  private keyOf(file: string): string {
    const kind = DEFINITION_KINDS.find((k) => this.opts.dirs[k] === dirname(file));
    if (!kind) throw new Error(`${file} is in neither definitions folder`);
    return definitionKey({ kind, name: basename(file) });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => {});
    return run;
  }
}
