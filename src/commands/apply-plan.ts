// What `dropcron apply` changes: the folder's files against the store's definitions,
// checked first with the one config loader over the set the store would hold after the
// apply (a job in the folder may use a connection already in the store; a prune must
// not leave a job without its connection).
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { UsageError } from '../args.ts';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import type { ConfigProblem } from '../config/problems.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { clearTextSecrets } from '../store/clear-secrets.ts';
import { DEFINITION_KINDS, definitionKey, isDefinitionName } from '../store/definitions.ts';
import type { DefinitionChange, DefinitionKind, DefinitionRows } from '../store/store.ts';

export interface PlannedChange extends DefinitionChange {
  action: 'create' | 'update' | 'delete';
}

export interface ApplyPlan {
  /** Each based on the version that was checked: a definition changed meanwhile fails the apply. */
  changes: PlannedChange[];
  unchanged: number;
  problems: ConfigProblem[];
  /** Who the store records as the author. */
  by: string;
}

interface Text {
  kind: DefinitionKind;
  name: string;
  text: string;
  /** Where a problem in it is reported: the folder's file, or `store:jobs/x.yaml`. */
  shownAs: string;
}

export async function planApply(
  loaded: LoadedConfig,
  definitions: DefinitionRows,
  folder: string,
  opts: { prune: boolean },
): Promise<ApplyPlan> {
  const incoming = await readFolder(folder);
  const current = new Map((await definitions.list()).map((d) => [definitionKey(d), d]));
  const after = new Map<string, Text>();
  if (!opts.prune) for (const [key, d] of current) after.set(key, { ...d, shownAs: `store:${key}` });
  for (const [key, t] of incoming) after.set(key, t);
  const problems = await checkTexts(loaded, [...after.values()], folder);
  // A shared store takes no secret in clear text; the file store's folders are local, as ever.
  if (definitions.shared)
    for (const t of incoming.values())
      if (t.kind === 'connections') problems.push(...clearTextSecrets(t.shownAs, t.text, loaded.registry));
  const changes: PlannedChange[] = [];
  let unchanged = 0;
  for (const [key, t] of incoming) {
    const now = current.get(key);
    if (now?.text === t.text) unchanged++;
    else
      changes.push({
        kind: t.kind,
        name: t.name,
        text: t.text,
        base: now?.version ?? null,
        action: now ? 'update' : 'create',
      });
  }
  if (opts.prune)
    for (const [key, d] of current)
      if (!incoming.has(key)) changes.push({ kind: d.kind, name: d.name, base: d.version, action: 'delete' });
  return { changes, unchanged, problems, by: `apply@${hostname()}` };
}

async function readFolder(folder: string): Promise<Map<string, Text>> {
  const out = new Map<string, Text>();
  let found = false;
  for (const kind of DEFINITION_KINDS) {
    const dir = join(folder, kind);
    const names = await readdir(dir).then(
      (n) => ((found = true), n),
      () => [] as string[],
    );
    for (const name of names.filter(isDefinitionName).sort()) {
      const file = join(dir, name);
      out.set(definitionKey({ kind, name }), { kind, name, text: await readFile(file, 'utf8'), shownAs: file });
    }
  }
  if (!found) throw new UsageError(`${folder} has neither a connections/ nor a jobs/ folder`);
  return out;
}

/**
 * Loads `texts` with the daemon's config (minus its admin section, which may hold the
 * password, and with a scratch file store, so loading reads no vault) and the same
 * plugins; returns their problems, each at the file the user knows.
 */
async function checkTexts(loaded: LoadedConfig, texts: Text[], folder: string): Promise<ConfigProblem[]> {
  const scratch = await mkdtemp(join(tmpdir(), 'dropcron-apply-'));
  try {
    const shown = new Map<string, string>();
    for (const kind of DEFINITION_KINDS) await mkdir(join(scratch, kind), { mode: 0o700 });
    for (const t of texts) {
      const file = join(scratch, t.kind, t.name);
      await writeFileAtomic(file, t.text);
      shown.set(file, t.shownAs);
    }
    const cfg = parseDocument(await readFile(loaded.config.file, 'utf8'));
    if (!isMap(cfg.contents)) cfg.contents = cfg.createNode({}) as never;
    cfg.deleteIn(['admin']);
    cfg.setIn(['store'], 'file');
    cfg.setIn(['state'], join(scratch, 'state'));
    for (const kind of DEFINITION_KINDS) cfg.setIn([kind], join(scratch, kind));
    const cfgFile = join(scratch, 'config.yaml');
    await writeFileAtomic(cfgFile, String(cfg));
    const checked = await loadConfig(cfgFile, { registry: loaded.registry });
    return checked.problems.map((p) => ({
      ...p,
      file: shown.get(p.file) ?? p.file,
      message: p.message.split(scratch).join(folder),
    }));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
