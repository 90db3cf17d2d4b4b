// dropcron's version, read once from package.json: what `--version` prints and what each
// daemon of a cluster reports. One source, so a release changes one line.
import { createRequire } from 'node:module';

/** package.json's version: one level up from src/, two from dist/src/. */
export const DROPCRON_VERSION: string = (() => {
  const require = createRequire(import.meta.url);
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const pkg = require(path) as { name?: string; version?: string };
      if (pkg.name === 'dropcron' && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
})();
