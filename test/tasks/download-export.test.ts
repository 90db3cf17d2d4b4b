// download's `export`: Paper docs (is_downloadable false) exported through files/export
// under the format's extension, or skipped with a reason; neither fails the run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadTask } from '../../plugins/dropbox/tasks/download.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  // Short backoff: one test has the sandbox refuse the export until the retries run out.
  h = await startHarness({ retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 } });
  await h.emu.files.put('sandy', '/docs/Plan.paper', '# Plan\n\nShip it.\n');
  await h.emu.files.put('sandy', '/docs/notes.txt', 'plain');
});
afterAll(async () => h.close());

describe('download of non-downloadable files', () => {
  it('exports a Paper doc as Markdown by default, next to the files downloaded as they are', async () => {
    const to = join(h.dir, 'md');
    const res = await h.run(downloadTask, { from: '/docs', to });
    expect(res.counts).toMatchObject({ downloaded: 1, exported: 1 });
    expect((await readdir(to)).sort()).toEqual(['Plan.md', 'notes.txt']);
    expect(await readFile(join(to, 'Plan.md'), 'utf8')).toBe('# Plan\n\nShip it.\n');
    expect(res.actions).toContainEqual(expect.objectContaining({ action: 'export', target: '/docs/Plan.paper' }));
  });

  it('exports as HTML when asked', async () => {
    const to = join(h.dir, 'html');
    const res = await h.run(downloadTask, { from: '/docs', to, export: 'html' });
    expect(res.counts.exported).toBe(1);
    expect(await readFile(join(to, 'Plan.html'), 'utf8')).toContain('<h1>Plan</h1>');
  });

  it('skips it with a reason when export is skip, and the run succeeds', async () => {
    const to = join(h.dir, 'skip');
    const res = await h.run(downloadTask, { from: '/docs', to, export: 'skip' });
    expect(res.counts).toMatchObject({ downloaded: 1, skipped: 1 });
    expect(res.counts.exported).toBeUndefined();
    expect(await readdir(to)).toEqual(['notes.txt']);
    expect(res.actions).toContainEqual({
      action: 'skip',
      target: '/docs/Plan.paper',
      reason: 'not downloadable (export: skip)',
    });
  });

  it('an export that keeps failing is a skip with a warning, not a failure', async () => {
    const to = join(h.dir, 'refused');
    h.emu.faults.inject({ route: 'files/export', times: 2, fault: { status: 503 } });
    const res = await h.run(downloadTask, { from: '/docs', to });
    expect(res.counts).toMatchObject({ downloaded: 1, skipped: 1 });
    expect(res.warnings.join('\n')).toMatch(/skipped \/docs\/Plan\.paper: the export as markdown failed/);
  });
});
