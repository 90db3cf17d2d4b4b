// Writes the reference tables into README.md from the schemas of the core and of the
// plugins config.yaml loads by default. Run after changing a schema:
//   npx tsx src/config/gen-readme.ts
// test/config/reference.test.ts fails while README.md is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import configSchema from './schemas/config.schema.json' with { type: 'json' };
import { loadPlugins } from '../registry.ts';
import { fillMarkers, referenceSections } from './reference.ts';

export const README = fileURLToPath(new URL('../../README.md', import.meta.url));

/** README.md as the generator would write it. */
export async function generatedReadme(): Promise<string> {
  const registry = await loadPlugins(configSchema.properties.plugins.default);
  return fillMarkers(readFileSync(README, 'utf8'), referenceSections(registry));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(README, await generatedReadme());
  console.log(`wrote ${README}`);
}
