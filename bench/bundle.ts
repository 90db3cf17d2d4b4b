// Bench children run as one plain-JS bundle under bare node: under tsx an idle process
// already holds ~86 MB (its compiler), which would hide what the code itself uses.
// (esbuild is tsx's own dependency, used here only to bundle bench children.)
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Bundles bench/<name>.ts into dir/<name>.mjs and returns that path. */
export async function bundle(name: string, dir: string): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = join(dir, `${name}.mjs`);
  await build({
    entryPoints: [join(here, `${name}.ts`)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'error',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return outfile;
}
