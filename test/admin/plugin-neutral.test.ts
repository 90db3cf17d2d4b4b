// Issue 15, "done when": src/admin holds no Dropbox-specific code. Its words for a
// plugin's fields come from the plugin's schemas (titles, `x-ui`), so no file of it
// names the service; this keeps a label written by hand from creeping back.
import { describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const admin = fileURLToPath(new URL('../../src/admin/', import.meta.url));

describe('the admin code', () => {
  it('names no plugin: no file under src/admin mentions Dropbox', async () => {
    const files = (await readdir(admin, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    expect(files.length).toBeGreaterThan(20);
    const naming: string[] = [];
    for (const e of files) {
      const path = join(e.parentPath, e.name);
      if (/dropbox/i.test(path) || /dropbox/i.test(await readFile(path, 'utf8'))) naming.push(path.slice(admin.length));
    }
    expect(naming).toEqual([]);
  });
});
