// The file store's definitions: the config's connections/ and jobs/ folders themselves.
// Nothing is shared, so no daemon mirrors them; `dropcron apply` writes into them.
import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.ts';
import {
  checkDefinition,
  DEFINITION_KINDS,
  definitionKey,
  isDefinitionName,
  refuseStale,
  textVersion,
} from './definitions.ts';
import type { Definition, DefinitionRows } from './store.ts';

export function definitionFiles(dirs: { connections?: string; jobs?: string }): DefinitionRows {
  const list = async (): Promise<Definition[]> => {
    const out: Definition[] = [];
    for (const kind of DEFINITION_KINDS) {
      const dir = dirs[kind];
      if (!dir) continue;
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names.filter(isDefinitionName).sort()) {
        const text = await readFile(join(dir, name), 'utf8').catch(() => undefined);
        if (text !== undefined) out.push({ kind, name, text, version: textVersion(text) });
      }
    }
    return out;
  };
  return {
    shared: false,
    async revision() {
      return textVersion((await list()).map((d) => `${definitionKey(d)} ${d.version}`).join('\n'));
    },
    list,
    /**
     * Every base is checked before anything is written; each file is then replaced
     * atomically (a folder has no transaction, so a crash mid-way may leave some done).
     */
    async apply(changes) {
      const current = new Map((await list()).map((d) => [definitionKey(d), d]));
      for (const c of changes) checkDefinition(c);
      refuseStale(changes, current);
      const written: Definition[] = [];
      for (const c of changes) {
        const dir = dirs[c.kind];
        if (!dir) throw new Error(`the config names no ${c.kind} folder`);
        const file = join(dir, c.name);
        if (c.text === undefined)
          await unlink(file).catch((err: NodeJS.ErrnoException) => {
            if (err.code !== 'ENOENT') throw err;
          });
        else {
          if (current.get(definitionKey(c))?.text !== c.text) await writeFileAtomic(file, c.text);
          written.push({ kind: c.kind, name: c.name, text: c.text, version: textVersion(c.text) });
        }
      }
      return written;
    },
  };
}
