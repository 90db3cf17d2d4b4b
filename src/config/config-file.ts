// Which config file a command reads. Apart from the loader so that the CLI can find it
// (for the plugin names `dropcron --help` lists) without loading ajv and the schemas.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** `--config FILE`, else ./config.yaml if present, else ./config.example.yaml. */
export function resolveConfigFile(explicit?: string, cwd = process.cwd()): string {
  if (explicit) return resolve(cwd, explicit);
  const own = resolve(cwd, 'config.yaml');
  return existsSync(own) ? own : resolve(cwd, 'config.example.yaml');
}
