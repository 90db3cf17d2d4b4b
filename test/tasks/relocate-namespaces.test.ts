// copy and move across Business namespaces: from one team folder to another, named by
// namespace id (ns:<id>/path) or by path under the team root, server-side only (no transfer
// route in the sandbox's log). A team member's connection with business.pathRoot: team, against
// a sandbox whose team has two team folders.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDropboxClient } from '../../plugins/dropbox/api/client.ts';
import type { DropboxClient } from '../../plugins/dropbox/api/types.ts';
import { startEmulator } from '../../plugins/dropbox/emulator/index.ts';
import { loadSeed } from '../../plugins/dropbox/emulator/seed.ts';
import { copyTask, moveTask } from '../../plugins/dropbox/tasks/relocate.ts';
import { startHarness, tokenSource, type Emulator, type Harness } from './harness.ts';

let h: Harness;
let emu: Emulator;
let alice: DropboxClient;
let aliceHome: DropboxClient;

beforeAll(async () => {
  // The harness gives the task context; the team lives in a second sandbox with two team folders.
  h = await startHarness();
  const seed = loadSeed();
  seed.teams![0]!.teamFolders!.push({ name: 'Projects', namespaceId: '2005' });
  emu = await startEmulator({ seed });
  const connection = (pathRoot: string) =>
    createDropboxClient({
      dispatcher: h.agent,
      token: tokenSource(emu, 'alice'),
      endpoints: { api: emu.url, content: emu.url },
      business: { pathRoot },
    });
  alice = connection('team');
  aliceHome = connection('home');
});
afterAll(async () => {
  await emu?.close();
  await h?.close();
});

/** The result of a run and the routes the team sandbox answered meanwhile. */
async function run(task: typeof copyTask, opts: { from: string; to: string; recursive?: boolean }, c = alice) {
  const before = emu.requests.length;
  const res = await h.run(task, opts, { connection: c });
  return { res, routes: emu.requests.slice(before).map((r) => r.route) };
}

const read = async (path: string) => String(await emu.files.get('alice', path));

/** path_display of everything below `folder`, through the team-root connection. */
async function listed(folder: string): Promise<string[]> {
  const out: string[] = [];
  for await (const m of alice.listFolder(folder, { recursive: true })) out.push(m.path_display ?? '');
  return out;
}

describe('copy and move across team folder namespaces', () => {
  it('copies by ns: paths, then moves by team-root paths; no bytes pass through dropcron', async () => {
    await emu.files.put('alice', 'ns:2004/reports/q1.csv', 'quarter one');
    await emu.files.put('alice', 'ns:2004/reports/sub/q2.csv', 'quarter two');

    const copy = await run(copyTask, { from: 'ns:2004/reports', to: 'ns:2005/in', recursive: true });
    expect(copy.res.counts).toMatchObject({ copied: 2 });
    expect(copy.res.bytes).toBe(0);
    expect(copy.routes.filter((r) => /upload|download/.test(r))).toEqual([]);
    expect(copy.routes).toContain('files/copy_batch_v2');
    expect(copy.res.output?.items.map((m) => (m as { path_display: string }).path_display).sort()).toEqual([
      '/Projects/in/q1.csv',
      '/Projects/in/sub/q2.csv',
    ]);

    // The same namespaces by path: with pathRoot team, team folders are top-level folders.
    const move = await run(moveTask, { from: '/Projects/in', to: 'ns:2004/archive', recursive: true });
    expect(move.res.counts).toMatchObject({ moved: 2 });
    expect(move.routes.filter((r) => /upload|download/.test(r))).toEqual([]);
    expect(await read('ns:2004/archive/sub/q2.csv')).toBe('quarter two');
    expect(await read('ns:2004/archive/q1.csv')).toBe('quarter one');
    expect(await alice.getMetadata('/Projects/in/q1.csv')).toBeUndefined();
    // A copy leaves its source; the move emptied the folder it moved from.
    expect(await read('ns:2004/reports/q1.csv')).toBe('quarter one');
    expect((await listed('/Projects/in')).filter((p) => p.endsWith('.csv'))).toEqual([]);
  });

  it('explains a namespace this connection cannot reach by path, and checks the ns: form', async () => {
    // With pathRoot home the team folders lie outside the connection's root.
    await expect(run(copyTask, { from: 'ns:2004/reports', to: '/mine' }, aliceHome)).rejects.toThrow(
      /ns:2004 is not a folder under this connection's root; for team folders set business\.pathRoot: team/,
    );
    await expect(run(copyTask, { from: '/Team Shared/reports', to: 'ns:9999/x' })).rejects.toThrow(/ns:9999/);
    expect(copyTask.check!(withDefaultsOf({ from: 'ns:abc/x', to: 'ns:2005' }))).toEqual([
      ['from', "'ns:abc/x' must be ns:<namespace id> (digits), then optionally /path"],
    ]);
    expect(copyTask.check!(withDefaultsOf({ from: 'ns:2004//x', to: 'ns:2005/' }))).toEqual([
      ['from', "'//x' contains an empty part ('//')"],
    ]);
  });
});

function withDefaultsOf(o: { from: string; to: string }) {
  return o as Parameters<NonNullable<typeof copyTask.check>>[0];
}
