// Second half of `npm run build`, after tsc: makes dist/src and dist/plugins hold every
// file of src/ and plugins/ the code reads beside itself (the admin page, the sandbox's
// seed, schemas), and nothing whose source is gone. The rule is "every file that is not
// TypeScript or a README", so a new asset ships without anyone listing it here.
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const trees = ['src', 'plugins'];

function* files(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else yield p;
  }
}

const isAsset = (p) => !p.endsWith('.ts') && !p.endsWith('.md');

for (const tree of trees) {
  for (const src of files(join(root, tree))) {
    if (isAsset(src)) cpSync(src, join(dist, relative(root, src)));
  }
  // tsc never deletes what it emitted for a file since removed or renamed; a stale module
  // left here would still load (a plugin by name, say), so drop it.
  const out = join(dist, tree);
  if (!existsSync(out)) continue;
  for (const built of files(out)) {
    const rel = relative(dist, built);
    const source = rel.replace(/\.js(\.map)?$/, '.ts');
    if (!existsSync(join(root, rel)) && !existsSync(join(root, source))) rmSync(built);
  }
}
