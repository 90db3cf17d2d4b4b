// Last step of `npm run build` (run as dist/src/config/precompile.js): writes the
// validators for the plugins a config names by default as standalone code, which
// src/config/validators.ts imports instead of compiling the schemas at every start.
// The folder holds only the module for the current schemas: one for schemas since
// changed is deleted (it would never match again).
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import standalone from 'ajv/dist/standalone/index.js';
import { loadPlugins } from '../registry.ts';
import { pluginNamesIn } from './plugin-names.ts';
import { PRECOMPILED_DIR, compileSet, schemaSet } from './validators.ts';

const set = schemaSet(await loadPlugins(pluginNamesIn({})));
const dir = fileURLToPath(PRECOMPILED_DIR);
const file = `${set.key}.cjs`;
mkdirSync(dir, { recursive: true });
for (const f of readdirSync(dir)) if (f !== file) rmSync(join(dir, f));
if (!existsSync(join(dir, file))) {
  // Renamed into place: a build cut short must not leave half a module that loads would import.
  writeFileSync(join(dir, `${file}.tmp`), precompiled());
  renameSync(join(dir, `${file}.tmp`), join(dir, file));
}

function precompiled(): string {
  const { ajv } = compileSet(set, { source: true });
  const ids: Record<string, string> = { config: set.config.$id };
  for (const [name, schema] of Object.entries(set.compiled)) {
    if (typeof schema.$id !== 'string') throw new Error(`schema '${name}' has no $id to export it by`);
    ids[name] = schema.$id;
  }
  return standalone.default(ajv, ids);
}
